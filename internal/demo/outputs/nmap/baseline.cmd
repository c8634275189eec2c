# tool: Nmap version 7.93 ( https://nmap.org )
# generated: 2026-11-27T10:05:23Z by testdata/regen.sh
nmap -sT -sV --version-light -Pn -p 18080,14443,15443,12323 -oX baseline.xml 127.0.0.1 >/dev/null
