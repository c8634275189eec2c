// Command weakservice is a deliberately weak program that gosec scans to
// produce the SARIF fixture. It is never built into Evident.
package main

import (
	"crypto/md5"
	"fmt"
	"net/http"
	"os"
	"os/exec"
)

const adminPassword = "hunter2-admin-password"

func main() {
	sum := md5.Sum([]byte(os.Args[1]))
	fmt.Printf("%x %s\n", sum, adminPassword)
	out, _ := exec.Command("sh", "-c", os.Args[2]).Output()
	os.WriteFile("/tmp/out.txt", out, 0o666)
	http.ListenAndServe(":8080", nil)
}
