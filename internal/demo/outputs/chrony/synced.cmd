# tool: chronyd (chrony) version 4.3 (+CMDMON +NTP +REFCLOCK +RTC +PRIVDROP +SCFILTER +SIGND +ASYNCDNS +NTS +SECHASH +IPV6 -DEBUG)
# generated: 2026-11-27T10:06:35Z by testdata/regen.sh
chronyc -h 127.0.0.1 -p 11323 tracking > synced.txt
