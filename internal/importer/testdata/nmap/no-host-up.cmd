# tool: Nmap version 7.93 ( https://nmap.org )
# generated: 2026-12-05T08:45:10Z by testdata/regen.sh
nmap -PE -sT -p 18080,14443,15443,12323 -oX no-host-up.xml 203.0.113.254 >/dev/null
