# tool: trivy v0.74.0 (go install, GOEXPERIMENT=jsonv2; reports Version: dev)
# generated: 2026-11-27T11:09:57Z by testdata/regen.sh
trivy config --quiet --skip-check-update --format json --output config.json src
