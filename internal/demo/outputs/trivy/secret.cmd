# tool: trivy v0.74.0 (go install, GOEXPERIMENT=jsonv2; reports Version: dev)
# generated: 2026-11-27T11:09:58Z by testdata/regen.sh
trivy fs --quiet --scanners secret --skip-db-update --format json --output secret.json src
