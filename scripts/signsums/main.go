// Command signsums signs a release's SHA256SUMS as a signed note
// (golang.org/x/mod/sumdb/note), the format Evident's ledger checkpoints
// use, and verifies such a note against a published verifier key.
//
//	signsums -key SIGNER-FILE SHA256SUMS > SHA256SUMS.note
//	signsums -verify VERIFIER-KEY SHA256SUMS.note   # prints the checksums
//	signsums -generate NAME                        # prints a new signer and verifier
//
// A release is signed offline by whoever holds the signer key; the
// verifier key is published beside the release so a TSP can check what
// it runs (REQ-7.7, REQ-7.14) without trusting the download site.
package main

import (
	"crypto/rand"
	"flag"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

func main() {
	key := flag.String("key", "", "`file` holding the note signer key (PRIVATE+KEY+...)")
	verify := flag.String("verify", "", "verifier `key` (or a file holding it) to check a signed note with")
	generate := flag.String("generate", "", "generate a signer and verifier key pair for `name`")
	flag.Parse()
	if err := run(*key, *verify, *generate, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "signsums:", err)
		os.Exit(1)
	}
}

func run(key, verify, generate string, args []string) error {
	switch {
	case generate != "":
		skey, vkey, err := note.GenerateKey(rand.Reader, generate)
		if err != nil {
			return err
		}
		fmt.Printf("%s\n%s\n", skey, vkey)
		return nil
	case len(args) != 1:
		return fmt.Errorf("name one file")
	case verify != "":
		return verifyNote(verify, args[0])
	case key != "":
		return sign(key, args[0])
	}
	return fmt.Errorf("give -key to sign, -verify to check or -generate NAME")
}

func sign(keyFile, file string) error {
	k, err := os.ReadFile(keyFile)
	if err != nil {
		return err
	}
	signer, err := note.NewSigner(strings.TrimSpace(string(k)))
	if err != nil {
		return fmt.Errorf("%s: %v", keyFile, err)
	}
	text, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if len(text) == 0 || text[len(text)-1] != '\n' {
		return fmt.Errorf("%s: a note's text must end in a newline", file)
	}
	msg, err := note.Sign(&note.Note{Text: string(text)}, signer)
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(msg)
	return err
}

func verifyNote(vkey, file string) error {
	if b, err := os.ReadFile(vkey); err == nil {
		vkey = strings.TrimSpace(string(b))
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return fmt.Errorf("verifier key: %v", err)
	}
	msg, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return fmt.Errorf("%s: %v", file, err)
	}
	fmt.Print(n.Text)
	return nil
}
