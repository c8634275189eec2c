module example.com/weakservice

go 1.22
