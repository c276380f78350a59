// Command crosscheck checks vectors written by the ledger crate's
// go_vectors example against Go's reference implementation
// (golang.org/x/mod/sumdb/tlog and sumdb/note). It exits non-zero on any
// mismatch. Run it through scripts/go-crosscheck.sh (GOPATH mode).
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var failures int

func fail(format string, args ...interface{}) {
	failures++
	if failures <= 20 {
		fmt.Fprintf(os.Stderr, "MISMATCH: "+format+"\n", args...)
	}
}

func mustB64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bad base64 %q: %v\n", s, err)
		os.Exit(2)
	}
	return b
}

func mustHash(s string) tlog.Hash {
	var h tlog.Hash
	b := mustB64(s)
	if len(b) != len(h) {
		fmt.Fprintf(os.Stderr, "bad hash length %d\n", len(b))
		os.Exit(2)
	}
	copy(h[:], b)
	return h
}

func mustInt(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bad number %q\n", s)
		os.Exit(2)
	}
	return n
}

func proof(s string) []tlog.Hash {
	if s == "-" {
		return nil
	}
	var p []tlog.Hash
	for _, f := range strings.Split(s, ",") {
		p = append(p, mustHash(f))
	}
	return p
}

// entryFields is what an "entry" line says a record decodes to.
type entryFields struct {
	version       int
	channel       string // "" for version 1
	actor, action string
}

// decodeEntry decodes a cortina ledger entry (versions 1 and 2, see
// crates/ledger/src/entry.rs) independently of the Rust code, and rejects
// every non-canonical encoding the Rust decoder rejects.
func decodeEntry(b []byte) (entryFields, error) {
	var e entryFields
	pos := 0
	take := func(n int) ([]byte, error) {
		if len(b)-pos < n {
			return nil, fmt.Errorf("truncated at byte %d", pos)
		}
		s := b[pos : pos+n]
		pos += n
		return s, nil
	}
	str := func(action bool) (string, error) {
		l, err := take(2)
		if err != nil {
			return "", err
		}
		n := int(l[0])<<8 | int(l[1])
		if n == 0 || n > 1024 {
			return "", fmt.Errorf("string length %d", n)
		}
		s, err := take(n)
		if err != nil {
			return "", err
		}
		if !utf8.Valid(s) {
			return "", fmt.Errorf("invalid UTF-8")
		}
		for _, r := range string(s) {
			if action {
				if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
					return "", fmt.Errorf("action character %q", r)
				}
			} else if unicode.IsControl(r) {
				return "", fmt.Errorf("control character")
			}
		}
		return string(s), nil
	}
	v, err := take(1)
	if err != nil {
		return e, err
	}
	e.version = int(v[0])
	if e.version != 1 && e.version != 2 {
		return e, fmt.Errorf("version %d", e.version)
	}
	if _, err := take(16); err != nil { // sequence number, time
		return e, err
	}
	if e.actor, err = str(false); err != nil {
		return e, err
	}
	if _, err = str(false); err != nil { // agency
		return e, err
	}
	if e.version == 2 {
		if e.channel, err = str(false); err != nil {
			return e, err
		}
	}
	if e.action, err = str(true); err != nil {
		return e, err
	}
	for i := 0; i < 2; i++ { // resource type and id
		if _, err = str(false); err != nil {
			return e, err
		}
	}
	d, err := take(1)
	if err != nil {
		return e, err
	}
	if d[0] > 1 {
		return e, fmt.Errorf("decision %d", d[0])
	}
	c, err := take(2)
	if err != nil {
		return e, err
	}
	count := int(c[0])<<8 | int(c[1])
	if count > 32 {
		return e, fmt.Errorf("%d policies", count)
	}
	for i := 0; i < count; i++ {
		if _, err = str(false); err != nil {
			return e, err
		}
	}
	if _, err = take(32); err != nil { // payload digest
		return e, err
	}
	tag, err := take(1)
	if err != nil {
		return e, err
	}
	switch tag[0] {
	case 0:
	case 1:
		if _, err = take(32); err != nil {
			return e, err
		}
	default:
		return e, fmt.Errorf("personal-data tag %d", tag[0])
	}
	if pos != len(b) {
		return e, fmt.Errorf("%d trailing bytes", len(b)-pos)
	}
	return e, nil
}

type proofLine struct {
	t, n int64
	p    []tlog.Hash
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: crosscheck <vectors file>")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer f.Close()

	var records [][]byte
	entries := map[int64]entryFields{}
	var theirHashes []tlog.Hash
	treeHashes := map[int64]tlog.Hash{}
	var inclusions, consistencies []proofLine
	tiles := map[string][]byte{}
	var skey, vkey, wvkey string
	var noteBytes, cosignedBytes []byte

	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "record":
			if mustInt(fields[1]) != int64(len(records)) {
				fail("records out of order")
			}
			records = append(records, mustB64(fields[2]))
		case "entry":
			ch := ""
			if fields[3] != "-" {
				ch = string(mustB64(fields[3]))
			}
			entries[mustInt(fields[1])] = entryFields{
				version: int(mustInt(fields[2])),
				channel: ch,
				actor:   string(mustB64(fields[4])),
				action:  string(mustB64(fields[5])),
			}
		case "hash":
			if mustInt(fields[1]) != int64(len(theirHashes)) {
				fail("hashes out of order")
			}
			theirHashes = append(theirHashes, mustHash(fields[2]))
		case "treehash":
			treeHashes[mustInt(fields[1])] = mustHash(fields[2])
		case "inclusion":
			inclusions = append(inclusions, proofLine{mustInt(fields[1]), mustInt(fields[2]), proof(fields[3])})
		case "consistency":
			consistencies = append(consistencies, proofLine{mustInt(fields[1]), mustInt(fields[2]), proof(fields[3])})
		case "tile":
			tiles[fields[1]] = mustB64(fields[2])
		case "skey":
			skey = fields[1]
		case "vkey":
			vkey = fields[1]
		case "note":
			noteBytes = mustB64(fields[1])
		case "wvkey":
			wvkey = fields[1]
		case "cosigned":
			cosignedBytes = mustB64(fields[1])
		default:
			fail("unknown line kind %q", fields[0])
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}

	// 0. Go decodes every record as a ledger entry (version 1 or 2) and
	//    finds the fields Rust says it holds; a version-2 record cut short
	//    or relabelled as version 1 is refused.
	versions := map[int]int{}
	for n, rec := range records {
		got, err := decodeEntry(rec)
		if err != nil {
			fail("entry %d does not decode: %v", n, err)
			continue
		}
		versions[got.version]++
		if want, ok := entries[int64(n)]; !ok || got != want {
			fail("entry %d decodes to %+v, rust says %+v", n, got, want)
		}
		if got.version == 2 {
			if _, err := decodeEntry(rec[:len(rec)-1]); err == nil {
				fail("truncated entry %d accepted", n)
			}
			relabelled := append([]byte{1}, rec[1:]...)
			if e, err := decodeEntry(relabelled); err == nil && e.action == got.action {
				fail("entry %d relabelled as version 1 decodes to the same action", n)
			}
		}
	}
	if len(records) > 1 && (versions[1] == 0 || versions[2] == 0) {
		fail("the vectors should hold both entry versions, have %v", versions)
	}

	// 1. Go computes its own stored hashes from the records; they must equal ours.
	var goHashes []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(goHashes)) {
				return nil, fmt.Errorf("index %d out of range", x)
			}
			out[i] = goHashes[x]
		}
		return out, nil
	})
	for n, rec := range records {
		hs, err := tlog.StoredHashes(int64(n), rec, reader)
		if err != nil {
			fail("StoredHashes(%d): %v", n, err)
			continue
		}
		goHashes = append(goHashes, hs...)
	}
	if int64(len(goHashes)) != tlog.StoredHashCount(int64(len(records))) {
		fail("stored hash count")
	}
	if len(goHashes) != len(theirHashes) {
		fail("stored hash count: go %d, rust %d", len(goHashes), len(theirHashes))
	}
	for i := range goHashes {
		if i < len(theirHashes) && goHashes[i] != theirHashes[i] {
			fail("stored hash %d differs", i)
		}
	}

	// 2. Tree hashes for every size.
	N := int64(len(records))
	for size := int64(1); size <= N; size++ {
		th, err := tlog.TreeHash(size, reader)
		if err != nil || th != treeHashes[size] {
			fail("TreeHash(%d): %v %v != %v", size, err, th, treeHashes[size])
		}
	}

	// 3. Inclusion proofs: valid ones pass CheckRecord, equal ProveRecord,
	//    and a flipped byte fails.
	for _, l := range inclusions {
		th := treeHashes[l.t]
		leaf := tlog.RecordHash(records[l.n])
		if err := tlog.CheckRecord(l.p, l.t, th, l.n, leaf); err != nil {
			fail("CheckRecord(t=%d, n=%d): %v", l.t, l.n, err)
		}
		gp, err := tlog.ProveRecord(l.t, l.n, reader)
		if err != nil || len(gp) != len(l.p) {
			fail("ProveRecord(t=%d, n=%d) differs in length", l.t, l.n)
		} else {
			for i := range gp {
				if gp[i] != l.p[i] {
					fail("ProveRecord(t=%d, n=%d)[%d] differs", l.t, l.n, i)
				}
			}
		}
		if len(l.p) > 0 {
			bad := append([]tlog.Hash(nil), l.p...)
			bad[len(bad)/2][7] ^= 0x40
			if tlog.CheckRecord(bad, l.t, th, l.n, leaf) == nil {
				fail("tampered inclusion proof accepted (t=%d, n=%d)", l.t, l.n)
			}
		}
	}

	// 4. Consistency proofs.
	for _, l := range consistencies {
		th, h := treeHashes[l.t], treeHashes[l.n]
		if err := tlog.CheckTree(l.p, l.t, th, l.n, h); err != nil {
			fail("CheckTree(t=%d, n=%d): %v", l.t, l.n, err)
		}
		gp, err := tlog.ProveTree(l.t, l.n, reader)
		if err != nil || len(gp) != len(l.p) {
			fail("ProveTree(t=%d, n=%d) differs in length", l.t, l.n)
		} else {
			for i := range gp {
				if gp[i] != l.p[i] {
					fail("ProveTree(t=%d, n=%d)[%d] differs", l.t, l.n, i)
				}
			}
		}
		if len(l.p) > 0 {
			bad := append([]tlog.Hash(nil), l.p...)
			bad[0][0] ^= 1
			if tlog.CheckTree(bad, l.t, th, l.n, h) == nil {
				fail("tampered consistency proof accepted (t=%d, n=%d)", l.t, l.n)
			}
		}
	}

	// 5. Tiles: Go's set of tiles for the tree and their contents. Go writes
	//    tile/8/L/N; C2SP drops the height: tile/L/N. This Go version lists
	//    every partial width from the old to the new size; C2SP serves only
	//    the widest, so only the widest partial tile per (L, N) is required.
	type coord struct {
		l int
		n int64
	}
	widest := map[coord]int{}
	for _, t := range tlog.NewTiles(8, 0, N) {
		c := coord{t.L, t.N}
		if t.W > widest[c] {
			widest[c] = t.W
		}
	}
	goTiles := map[string]bool{}
	for _, t := range tlog.NewTiles(8, 0, N) {
		p := "tile/" + strings.TrimPrefix(t.Path(), "tile/8/")
		if t.W != widest[coord{t.L, t.N}] {
			continue
		}
		goTiles[p] = true
		data, err := tlog.ReadTileData(t, reader)
		if err != nil {
			fail("ReadTileData(%s): %v", p, err)
			continue
		}
		if ours, ok := tiles[p]; !ok {
			fail("tile %s missing from rust vectors", p)
		} else if !bytes.Equal(ours, data) {
			fail("tile %s content differs", p)
		}
	}
	var extra []string
	for p := range tiles {
		if !goTiles[p] {
			extra = append(extra, p)
		}
	}
	sort.Strings(extra)
	for _, p := range extra {
		fail("rust tile %s not produced by Go", p)
	}
	// Go parses every path we produce back to the same tile.
	for p := range tiles {
		t, err := tlog.ParseTilePath("tile/8/" + strings.TrimPrefix(p, "tile/"))
		if err != nil || "tile/"+strings.TrimPrefix(t.Path(), "tile/8/") != p {
			fail("Go cannot parse tile path %s: %v", p, err)
		}
	}

	// 6. The signed checkpoint opens with Go's note package, its body has
	//    Go's root, and Go signing with our signer key gives the same bytes.
	v, err := note.NewVerifier(vkey)
	if err != nil {
		fail("NewVerifier: %v", err)
	} else {
		n, err := note.Open(noteBytes, note.VerifierList(v))
		if err != nil {
			fail("note.Open: %v", err)
		} else {
			lines := strings.Split(n.Text, "\n")
			root, _ := tlog.TreeHash(N, reader)
			if len(lines) < 3 || lines[1] != strconv.FormatInt(N, 10) ||
				lines[2] != base64.StdEncoding.EncodeToString(root[:]) {
				fail("checkpoint body %q does not match Go's tree (root %v)", n.Text, root)
			}
			if len(n.Sigs) != 1 || n.Sigs[0].Name != v.Name() || n.Sigs[0].Hash != v.KeyHash() {
				fail("unexpected signatures %+v", n.Sigs)
			}
			s, err := note.NewSigner(skey)
			if err != nil {
				fail("NewSigner: %v", err)
			} else {
				signed, err := note.Sign(&note.Note{Text: n.Text}, s)
				if err != nil || !bytes.Equal(signed, noteBytes) {
					fail("Go's signature with our signer key differs: %v\n%s", err, signed)
				}
			}
		}
		tampered := bytes.Replace(noteBytes, []byte("\n"), []byte("\nx"), 1)
		if _, err := note.Open(tampered, note.VerifierList(v)); err == nil {
			fail("tampered note accepted")
		}
	}

	// 7. The witnessed checkpoint: Go verifies the log's signature and the
	//    witness's plain Ed25519 note signature with the witness's key; the
	//    cosignature/v1 line (type 0x04) is left unverified, as Go does with
	//    any key it does not know. A flipped bit in the witness's signature
	//    fails.
	wv, err := note.NewVerifier(wvkey)
	if err != nil {
		fail("NewVerifier(witness): %v", err)
	} else if lv, err := note.NewVerifier(vkey); err != nil {
		fail("NewVerifier: %v", err)
	} else {
		n, err := note.Open(cosignedBytes, note.VerifierList(lv, wv))
		if err != nil {
			fail("note.Open(cosigned): %v", err)
		} else {
			witnessed := false
			for _, s := range n.Sigs {
				if s.Name == wv.Name() && s.Hash == wv.KeyHash() {
					witnessed = true
				}
			}
			if len(n.Sigs) != 2 || !witnessed {
				fail("cosigned note: verified signatures %+v", n.Sigs)
			}
			if len(n.UnverifiedSigs) != 1 || n.UnverifiedSigs[0].Name != wv.Name() {
				fail("cosigned note: expected the cosignature/v1 line unverified, got %+v", n.UnverifiedSigs)
			}
			if want := string(noteBytes[:bytes.Index(noteBytes, []byte("\n\n"))+1]); n.Text != want {
				fail("cosigned note text %q differs from the checkpoint's %q", n.Text, want)
			}
		}
		if _, err := note.Open(cosignedBytes, note.VerifierList(wv)); err != nil {
			fail("note.Open(cosigned, witness key only): %v", err)
		}
		lines := strings.Split(strings.TrimSuffix(string(cosignedBytes), "\n"), "\n")
		last := lines[len(lines)-1]
		i := strings.LastIndex(last, " ")
		sig := mustB64(last[i+1:])
		sig[10] ^= 1
		lines[len(lines)-1] = last[:i+1] + base64.StdEncoding.EncodeToString(sig)
		tampered := strings.Join(lines, "\n") + "\n"
		if _, err := note.Open([]byte(tampered), note.VerifierList(lv, wv)); err == nil {
			fail("tampered witness signature accepted")
		}
	}

	checks := len(records) + int(N) + len(inclusions) + len(consistencies) + len(goTiles) + 2
	if failures > 0 {
		fmt.Printf("go crosscheck: 0 passed, %d failed\n", failures)
		os.Exit(1)
	}
	fmt.Printf("go crosscheck: %d records (%d entry v1, %d v2) decoded, %d inclusion and %d consistency proofs, %d tiles, 1 note, 1 witnessed note\n",
		len(records), versions[1], versions[2], len(inclusions), len(consistencies), len(goTiles))
	fmt.Printf("%d passed, 0 failed\n", checks)
}
