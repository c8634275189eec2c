package web

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// A page whose content is kept with its state (contents) is sent gzip'd
// to a client that accepts it, without compressing the content on every
// request: the content is deflated once, when first sent so, and each
// response is that between the layout around it, written per request as
// stored blocks (a few kilobytes). A deflate stream is a sequence of
// blocks, and a block written after a sync flush starts on a byte
// boundary, so the three parts, each from its own compressor that refers
// to nothing before it, make one valid stream; the gzip trailer's
// checksum of the whole is the layout's moved over the content by an
// operator kept with it (crc32Shift), then continued over the rest.
//
// The list of 500 controls is about half a megabyte of HTML: sent plain,
// most of a request's CPU was the copy into the socket, and a proxy
// compressing it would spend milliseconds a request doing so.

// gzipHeader is a gzip member's header: deflate, no flags, no time, no
// extra flags, unknown system.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}

// layoutWriters write the layout around kept content into the stream,
// reused. Stored, not compressed: the layout is a few kilobytes, and
// compressing them per request (even Huffman coding alone) cost three
// times the copy of the whole page for a kilobyte or two saved
// (BenchmarkGzipPage).
var layoutWriters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.NoCompression)
	return w
}}

// deflated returns the content deflated and sync-flushed (no final
// block), computed once per content, with what the trailer's checksum
// needs of it: its CRC-32, and the operator that moves a CRC-32 over as
// many bytes as it has (crc32Shift).
func (k *keptContent) deflated() (z []byte, crc uint32, shift *[32]uint32) {
	k.zOnce.Do(func() {
		var b bytes.Buffer
		w, _ := flate.NewWriter(&b, flate.DefaultCompression)
		w.Write([]byte(k.html))
		w.Flush()
		k.z, k.crc, k.shift = b.Bytes(), crc32.ChecksumIEEE([]byte(k.html)), crc32Shift(int64(len(k.html)))
	})
	return k.z, k.crc, &k.shift
}

// gzipPage is the gzip member of head, then k's content, then tail.
func gzipPage(head []byte, k *keptContent, tail []byte) []byte {
	z, crc, shift := k.deflated()
	// The layout is stored: its bytes, five more per block of up to
	// 64 KiB, and the empty blocks the flushes and the close end with.
	stored := len(head) + len(tail) + 5*((len(head)+len(tail))>>16+2) + 16
	out := bytes.NewBuffer(make([]byte, 0, len(gzipHeader)+len(z)+stored+8))
	out.Write(gzipHeader)
	w := layoutWriters.Get().(*flate.Writer)
	defer layoutWriters.Put(w)
	w.Reset(out)
	w.Write(head)
	w.Flush()
	out.Write(z)
	w.Reset(out)
	w.Write(tail)
	w.Close()
	sum := crc32.Update(gf2Times(shift[:], crc32.ChecksumIEEE(head))^crc, crc32.IEEETable, tail)
	var trailer [8]byte
	binary.LittleEndian.PutUint32(trailer[:4], sum)
	binary.LittleEndian.PutUint32(trailer[4:], uint32(len(head)+len(k.html)+len(tail)))
	out.Write(trailer[:])
	return out.Bytes()
}

// acceptsGzip reports whether the request's Accept-Encoding takes gzip:
// named, or "*", with a weight above zero (RFC 9110, 12.5.3).
func acceptsGzip(r *http.Request) bool {
	for _, h := range r.Header.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(h, ",") {
			coding, params, _ := strings.Cut(part, ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" && coding != "*" {
				continue
			}
			for param := range strings.SplitSeq(params, ";") {
				name, v, _ := strings.Cut(strings.TrimSpace(param), "=")
				if strings.EqualFold(strings.TrimSpace(name), "q") {
					if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil || q <= 0 {
						return false
					}
				}
			}
			return true
		}
	}
	return false
}

// crc32Shift returns the operator, a 32x32 matrix over GF(2), that moves
// a CRC-32 (IEEE) over n zero bytes: the CRC of a followed by b is the
// operator for len(b) applied to the CRC of a, xor the CRC of b. It is
// built as zlib builds it, by squaring the operator of one zero bit, a
// byte's operator applied for each bit of n.
func crc32Shift(n int64) [32]uint32 {
	var op, even, odd [32]uint32
	for i := range op {
		op[i] = 1 << i // the identity
	}
	odd[0] = 0xedb88320 // the reversed IEEE polynomial: one zero bit
	row := uint32(1)
	for i := 1; i < 32; i++ {
		odd[i] = row
		row <<= 1
	}
	gf2Square(even[:], odd[:]) // two zero bits
	gf2Square(odd[:], even[:]) // four zero bits
	cur, next := &odd, &even
	for n > 0 {
		gf2Square(next[:], cur[:]) // first a byte, then 2, 4, ... bytes
		cur, next = next, cur
		if n&1 != 0 {
			var prod [32]uint32
			for i := range prod {
				prod[i] = gf2Times(cur[:], op[i])
			}
			op = prod
		}
		n >>= 1
	}
	return op
}

// gf2Times multiplies the 32x32 GF(2) matrix mat by the vector vec.
func gf2Times(mat []uint32, vec uint32) uint32 {
	var sum uint32
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

// gf2Square sets square to mat times mat.
func gf2Square(square, mat []uint32) {
	for n := range 32 {
		square[n] = gf2Times(mat, mat[n])
	}
}
