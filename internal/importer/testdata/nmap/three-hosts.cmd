# tool: Nmap version 7.93 ( https://nmap.org )
# generated: 2026-12-05T08:45:34Z by testdata/regen.sh
nmap -sT -sV --version-light -Pn -p 18080,14443,15443,12323 -oX three-hosts.xml 127.0.0.1 127.0.0.2 127.0.0.3 >/dev/null
