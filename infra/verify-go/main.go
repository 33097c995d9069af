// Command verify-go checks casetrail's transparency log as an outsider would, with
// off-the-shelf Go packages only: the checkpoint's signed note with
// golang.org/x/mod/sumdb/note (through github.com/transparency-dev/formats/log, which
// also parses the C2SP tlog-checkpoint body) and inclusion proofs with
// github.com/transparency-dev/merkle/proof.
//
//	go run . VKEY_FILE BUNDLE.json                        # casetrail audit export's bundle
//	go run . VKEY_FILE CHECKPOINT_FILE PROOF.json [HASH]  # the public endpoints' answers
//
// VKEY_FILE holds the hall's published verifier key (GET /api/v1/audit/verifier-key),
// pinned by the verifier, never taken from the bundle. HASH is the event's chain hash
// (its "hash" attribute on Kafka), whose leaf the proof must be of.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// inclusion is an inclusion proof as GET /api/v1/audit/proofs/inclusion answers it.
type inclusion struct {
	LeafIndex uint64   `json:"leaf_index"`
	TreeSize  uint64   `json:"tree_size"`
	LeafHash  string   `json:"leaf_hash"`
	Hashes    []string `json:"hashes"`
}

type bundle struct {
	CaseNo     string `json:"case_no"`
	Checkpoint string `json:"checkpoint"`
	Events     []struct {
		Event struct {
			Type        string `json:"type"`
			CaseVersion int    `json:"caseversion"`
			Hash        string `json:"hash"`
		} `json:"event"`
		Proof inclusion `json:"proof"`
	} `json:"events"`
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func read(path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	return data
}

// open verifies a checkpoint note with the pinned key and parses its body.
func open(checkpoint []byte, verifier note.Verifier) *log.Checkpoint {
	origin, _, _ := strings.Cut(string(checkpoint), "\n")
	cp, _, _, err := log.ParseCheckpoint(checkpoint, origin, verifier)
	if err != nil {
		fail("checkpoint: %v", err)
	}
	return cp
}

// include checks that the event whose chain hash is hexHash (when given) is the leaf
// that p proves included under the checkpoint's root.
func include(what string, p inclusion, hexHash string, cp *log.Checkpoint) {
	leaf, err := base64.StdEncoding.DecodeString(p.LeafHash)
	if err != nil {
		fail("%s: leaf_hash: %v", what, err)
	}
	if hexHash != "" { // the leaf data of an event is its chain hash: SHA-256(0x00 ‖ hash)
		data, err := hex.DecodeString(hexHash)
		if err != nil || len(data) != 32 {
			fail("%s: the event hash is not 32 bytes of hex", what)
		}
		if computed := rfc6962.DefaultHasher.HashLeaf(data); p.LeafHash == "" {
			leaf = computed
		} else if !bytes.Equal(leaf, computed) {
			fail("%s: the proof is of another leaf than the event's", what)
		}
	}
	if p.TreeSize != cp.Size {
		fail("%s: the proof is for tree size %d, the checkpoint's is %d", what, p.TreeSize, cp.Size)
	}
	var hashes [][]byte
	for _, h := range p.Hashes {
		node, err := base64.StdEncoding.DecodeString(h)
		if err != nil {
			fail("%s: proof: %v", what, err)
		}
		hashes = append(hashes, node)
	}
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, p.LeafIndex, cp.Size, leaf, hashes, cp.Hash); err != nil {
		fail("%s: %v", what, err)
	}
}

func main() {
	if len(os.Args) < 3 || len(os.Args) > 5 {
		fail("usage: verify-go VKEY_FILE BUNDLE.json | verify-go VKEY_FILE CHECKPOINT_FILE PROOF.json [HASH]")
	}
	verifier, err := note.NewVerifier(strings.TrimSpace(string(read(os.Args[1]))))
	if err != nil {
		fail("verifier key: %v", err)
	}
	if len(os.Args) == 3 {
		var b bundle
		if err := json.Unmarshal(read(os.Args[2]), &b); err != nil {
			fail("bundle: %v", err)
		}
		cp := open([]byte(b.Checkpoint), verifier)
		for _, e := range b.Events {
			include(fmt.Sprintf("v%d (%s)", e.Event.CaseVersion, e.Event.Type), e.Proof, e.Event.Hash, cp)
		}
		fmt.Printf("case %s: %d events included in %s at tree size %d (root %x)\n",
			b.CaseNo, len(b.Events), cp.Origin, cp.Size, cp.Hash)
		return
	}
	cp := open(read(os.Args[2]), verifier)
	fmt.Printf("checkpoint ok: %s, tree size %d, root %x\n", cp.Origin, cp.Size, cp.Hash)
	if len(os.Args) > 3 {
		var p inclusion
		if err := json.Unmarshal(read(os.Args[3]), &p); err != nil {
			fail("proof: %v", err)
		}
		hexHash := ""
		if len(os.Args) == 5 {
			hexHash = os.Args[4]
		}
		include(fmt.Sprintf("leaf %d", p.LeafIndex), p, hexHash, cp)
		fmt.Printf("inclusion ok: leaf %d of %d\n", p.LeafIndex, cp.Size)
	}
}
