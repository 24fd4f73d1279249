package cluster

// Signed code: a host started with -trust KEY serves only pools whose
// code and setup were signed with that key's seed. The signature covers
// the manifest's hash, which names every piece of code by its own hash,
// and the setup (initializer and its arguments), so nothing else can be
// swapped in.

import (
	"crypto/sha256"
	"fmt"
	"os"
	"strings"

	"github.com/nats-io/nkeys"
)

// EnvSigningKey names the nkey seed file a script signs its pools' code
// with.
const EnvSigningKey = "MPSTAR_CLUSTER_SIGNING_KEY"

// signedContent is what a pool's signature covers.
func signedContent(rec *poolRecord) []byte {
	h := sha256.New()
	h.Write([]byte(rec.Code))
	h.Write([]byte{0})
	h.Write(rec.Setup)
	return h.Sum(nil)
}

// sign signs rec with the seed in file.
func sign(rec *poolRecord, file string) error {
	seed, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(seed))))
	if err != nil {
		return fmt.Errorf("signing key %s: %w", file, err)
	}
	defer kp.Wipe()
	if rec.Signer, err = kp.PublicKey(); err != nil {
		return err
	}
	rec.Signature, err = kp.Sign(signedContent(rec))
	return err
}

// checkSignature reports why rec is not signed by the trusted public
// key, or nil if it is.
func checkSignature(rec *poolRecord, trusted string) error {
	if rec.Signer != trusted {
		if rec.Signer == "" {
			return fmt.Errorf("its code is not signed (set %s in the script's environment)", EnvSigningKey)
		}
		return fmt.Errorf("its code is signed by %s, not by the trusted key %s", rec.Signer, trusted)
	}
	kp, err := nkeys.FromPublicKey(trusted)
	if err != nil {
		return fmt.Errorf("trusted key %s: %w", trusted, err)
	}
	if kp.Verify(signedContent(rec), rec.Signature) != nil {
		return fmt.Errorf("its signature does not match its code")
	}
	return nil
}
