package pack

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"time"
	"unicode/utf8"
)

// zipWriter writes a pack's zip file with the same bytes archive/zip's
// Writer writes for the same calls (CreateHeader of stored files with a
// modification time, CreateRaw of deflated ones), but it keeps the
// central directory in a temporary file as each entry is finished rather
// than a header per entry in memory until Close. A pack holds three
// entries per item (leaf, proof, blob); archive/zip's headers were about
// a third of an export's heap, growing with the number of items.
type zipWriter struct {
	w   *bufio.Writer
	n   int64 // bytes written: the offset of what comes next
	dir *os.File
	dw  *bufio.Writer
	// records and dirSize count the central directory's entries and bytes.
	records, dirSize int64
	cur              *zipEntry
	closed           bool
}

// The zip format's constants, as archive/zip names them.
const (
	zipFileHeaderSig   = 0x04034b50
	zipDirHeaderSig    = 0x02014b50
	zipDirEndSig       = 0x06054b50
	zipDir64LocSig     = 0x07064b50
	zipDir64EndSig     = 0x06064b50
	zipDescriptorSig   = 0x08074b50
	zipFileHeaderLen   = 30
	zipDirHeaderLen    = 46
	zipDirEndLen       = 22
	zipDir64LocLen     = 20
	zipDir64EndLen     = 56
	zipVersion20       = 20
	zipVersion45       = 45
	zipZip64ExtraID    = 0x0001
	zipExtTimeExtraID  = 0x5455
	zipUint16Max       = 1<<16 - 1
	zipUint32Max       = 1<<32 - 1
	zipMethodStore     = 0
	zipMethodDeflate   = 8
	zipFlagDescriptor  = 0x8
	zipFlagUTF8        = 0x800
	zipDirSpoolBufSize = 64 << 10
)

// zipEntry is the entry being written, and then its directory record.
type zipEntry struct {
	name          string
	flags         uint16
	method        uint16
	creator       uint16
	reader        uint16
	mtime, mdate  uint16
	crc           uint32
	csize, usize  uint64
	extra         []byte
	offset        uint64
	raw           bool
	sum           hash.Hash32 // stored entries: the CRC of what is written
	zw            *zipWriter
	closed        bool
	descriptorLen int
}

func newZipWriter(w io.Writer) (*zipWriter, error) {
	dir, err := os.CreateTemp("", "evident-pack-dir-*")
	if err != nil {
		return nil, fmt.Errorf("pack directory: %w", err)
	}
	return &zipWriter{w: bufio.NewWriter(w), dir: dir, dw: bufio.NewWriterSize(dir, zipDirSpoolBufSize)}, nil
}

// remove deletes the temporary directory file; safe after Close or a
// failure.
func (z *zipWriter) remove() {
	z.dir.Close()
	os.Remove(z.dir.Name())
}

func (z *zipWriter) Write(p []byte) (int, error) {
	n, err := z.w.Write(p)
	z.n += int64(n)
	return n, err
}

// finish closes the entry being written, if any.
func (z *zipWriter) finish() error {
	if z.cur == nil {
		return nil
	}
	e := z.cur
	z.cur = nil
	return e.close()
}

// Create starts a stored file, its CRC and sizes in a data descriptor
// after its bytes (archive/zip's CreateHeader with Method Store).
func (z *zipWriter) Create(name string, modified time.Time) (io.Writer, error) {
	if err := z.finish(); err != nil {
		return nil, err
	}
	e := &zipEntry{name: name, method: zipMethodStore, flags: zipFlagDescriptor | utf8Flag(name),
		creator: zipVersion20, reader: zipVersion20, offset: uint64(z.n), sum: crc32.NewIEEE(), zw: z}
	e.mdate, e.mtime = msDosTime(modified)
	// The "extended timestamp" extra field, as Info-ZIP and archive/zip
	// write it: the same in the local and the central header.
	e.extra = binary.LittleEndian.AppendUint16(nil, zipExtTimeExtraID)
	e.extra = binary.LittleEndian.AppendUint16(e.extra, 5)
	e.extra = append(e.extra, 1)
	e.extra = binary.LittleEndian.AppendUint32(e.extra, uint32(modified.Unix()))
	if err := z.localHeader(e); err != nil {
		return nil, err
	}
	z.cur = e
	return e, nil
}

// CreateRaw starts a deflated file whose compressed bytes, CRC and sizes
// the caller already has (archive/zip's CreateRaw: no data descriptor,
// no timestamps).
func (z *zipWriter) CreateRaw(name string, crc uint32, csize, usize uint64) (io.Writer, error) {
	if err := z.finish(); err != nil {
		return nil, err
	}
	e := &zipEntry{name: name, method: zipMethodDeflate, crc: crc, csize: csize, usize: usize, offset: uint64(z.n), raw: true, zw: z}
	if err := z.localHeader(e); err != nil {
		return nil, err
	}
	z.cur = e
	return e, nil
}

func (z *zipWriter) localHeader(e *zipEntry) error {
	if len(e.name) > zipUint16Max {
		return errors.New("zip: FileHeader.Name too long")
	}
	b := make([]byte, 0, zipFileHeaderLen+len(e.name)+len(e.extra))
	b = binary.LittleEndian.AppendUint32(b, zipFileHeaderSig)
	b = binary.LittleEndian.AppendUint16(b, e.reader)
	b = binary.LittleEndian.AppendUint16(b, e.flags)
	b = binary.LittleEndian.AppendUint16(b, e.method)
	b = binary.LittleEndian.AppendUint16(b, e.mtime)
	b = binary.LittleEndian.AppendUint16(b, e.mdate)
	if e.raw {
		b = binary.LittleEndian.AppendUint32(b, e.crc)
		b = binary.LittleEndian.AppendUint32(b, uint32(min(e.csize, zipUint32Max)))
		b = binary.LittleEndian.AppendUint32(b, uint32(min(e.usize, zipUint32Max)))
	} else {
		b = append(b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(e.name)))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(e.extra)))
	b = append(b, e.name...)
	b = append(b, e.extra...)
	_, err := z.Write(b)
	return err
}

func (e *zipEntry) Write(p []byte) (int, error) {
	if e.closed {
		return 0, errors.New("zip: write to closed file")
	}
	n, err := e.zw.Write(p)
	if !e.raw {
		e.sum.Write(p[:n])
		e.usize += uint64(n)
		e.csize += uint64(n)
	}
	return n, err
}

func (e *zipEntry) zip64() bool { return e.csize >= zipUint32Max || e.usize >= zipUint32Max }

// close writes a stored entry's data descriptor and the entry's record
// to the spooled central directory.
func (e *zipEntry) close() error {
	e.closed = true
	z := e.zw
	if !e.raw {
		e.crc = e.sum.Sum32()
		var b []byte
		b = binary.LittleEndian.AppendUint32(b, zipDescriptorSig)
		b = binary.LittleEndian.AppendUint32(b, e.crc)
		if e.zip64() {
			e.reader = zipVersion45
			b = binary.LittleEndian.AppendUint64(b, e.csize)
			b = binary.LittleEndian.AppendUint64(b, e.usize)
		} else {
			b = binary.LittleEndian.AppendUint32(b, uint32(e.csize))
			b = binary.LittleEndian.AppendUint32(b, uint32(e.usize))
		}
		if _, err := z.Write(b); err != nil {
			return err
		}
	}
	extra := e.extra
	b := make([]byte, 0, zipDirHeaderLen+len(e.name)+len(extra)+28)
	b = binary.LittleEndian.AppendUint32(b, zipDirHeaderSig)
	b = binary.LittleEndian.AppendUint16(b, e.creator)
	b = binary.LittleEndian.AppendUint16(b, e.reader)
	b = binary.LittleEndian.AppendUint16(b, e.flags)
	b = binary.LittleEndian.AppendUint16(b, e.method)
	b = binary.LittleEndian.AppendUint16(b, e.mtime)
	b = binary.LittleEndian.AppendUint16(b, e.mdate)
	b = binary.LittleEndian.AppendUint32(b, e.crc)
	if e.zip64() || e.offset >= zipUint32Max {
		b = binary.LittleEndian.AppendUint32(b, zipUint32Max)
		b = binary.LittleEndian.AppendUint32(b, zipUint32Max)
		extra = binary.LittleEndian.AppendUint16(extra, zipZip64ExtraID)
		extra = binary.LittleEndian.AppendUint16(extra, 24)
		extra = binary.LittleEndian.AppendUint64(extra, e.usize)
		extra = binary.LittleEndian.AppendUint64(extra, e.csize)
		extra = binary.LittleEndian.AppendUint64(extra, e.offset)
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(e.csize))
		b = binary.LittleEndian.AppendUint32(b, uint32(e.usize))
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(e.name)))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(extra)))
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) // comment length, disk, internal and external attributes
	if e.offset > zipUint32Max {
		b = binary.LittleEndian.AppendUint32(b, zipUint32Max)
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(e.offset))
	}
	b = append(b, e.name...)
	b = append(b, extra...)
	if _, err := z.dw.Write(b); err != nil {
		return fmt.Errorf("pack directory: %w", err)
	}
	z.records++
	z.dirSize += int64(len(b))
	return nil
}

// Close finishes the last entry, copies the central directory after the
// entries and writes the end records, zip64 ones when the counts or
// offsets need them, as archive/zip does.
func (z *zipWriter) Close() error {
	if z.closed {
		return errors.New("zip: writer closed twice")
	}
	z.closed = true
	if err := z.finish(); err != nil {
		return err
	}
	if err := z.dw.Flush(); err != nil {
		return fmt.Errorf("pack directory: %w", err)
	}
	if _, err := z.dir.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("pack directory: %w", err)
	}
	start := z.n
	if _, err := io.Copy(z, z.dir); err != nil {
		return fmt.Errorf("pack directory: %w", err)
	}
	end := z.n
	if end-start != z.dirSize {
		return fmt.Errorf("pack directory: copied %d bytes of %d", end-start, z.dirSize)
	}
	records, size, offset := uint64(z.records), uint64(z.dirSize), uint64(start)
	var b []byte
	if records >= zipUint16Max || size >= zipUint32Max || offset >= zipUint32Max {
		b = binary.LittleEndian.AppendUint32(b, zipDir64EndSig)
		b = binary.LittleEndian.AppendUint64(b, zipDir64EndLen-12)
		b = binary.LittleEndian.AppendUint16(b, zipVersion45)
		b = binary.LittleEndian.AppendUint16(b, zipVersion45)
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint64(b, records)
		b = binary.LittleEndian.AppendUint64(b, records)
		b = binary.LittleEndian.AppendUint64(b, size)
		b = binary.LittleEndian.AppendUint64(b, offset)
		b = binary.LittleEndian.AppendUint32(b, zipDir64LocSig)
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint64(b, uint64(end))
		b = binary.LittleEndian.AppendUint32(b, 1)
		records, size, offset = zipUint16Max, zipUint32Max, zipUint32Max
	}
	b = binary.LittleEndian.AppendUint32(b, zipDirEndSig)
	b = append(b, 0, 0, 0, 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(records))
	b = binary.LittleEndian.AppendUint16(b, uint16(records))
	b = binary.LittleEndian.AppendUint32(b, uint32(size))
	b = binary.LittleEndian.AppendUint32(b, uint32(offset))
	b = binary.LittleEndian.AppendUint16(b, 0)
	if _, err := z.Write(b); err != nil {
		return err
	}
	return z.w.Flush()
}

// utf8Flag is the flag archive/zip sets for a name that is valid UTF-8
// but not in the ASCII subset every reader agrees on.
func utf8Flag(s string) uint16 {
	require := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r < 0x20 || r > 0x7d || r == 0x5c {
			if !utf8.ValidRune(r) || (r == utf8.RuneError && size == 1) {
				return 0
			}
			require = true
		}
	}
	if require {
		return zipFlagUTF8
	}
	return 0
}

// msDosTime is t's MS-DOS date and time, in t's own zone.
func msDosTime(t time.Time) (date, clock uint16) {
	date = uint16(t.Day() + int(t.Month())<<5 + (t.Year()-1980)<<9)
	clock = uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11)
	return
}
