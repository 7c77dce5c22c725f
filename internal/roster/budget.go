package roster

// Budget bounds what reading one file may cost, whatever the file claims
// about itself: an .xlsx is a zip archive whose parts may unpack to
// thousands of times their packed size (a decompression bomb), and a sheet
// may declare millions of empty cells.
type Budget struct {
	PartBytes  int64 // the largest unpacked size of one part of an .xlsx (a sheet, the shared strings)
	TotalBytes int64 // the largest unpacked size of all parts read together
	Cells      int64 // the most cells read (including empty ones a sheet spells out)
	TextBytes  int64 // the most bytes of shared strings held in memory
	Strings    int64 // the most shared strings held in memory
}

// DefaultBudget fits a 100,000-row roster with room to spare and keeps the
// memory spent reading any file within a few tens of megabytes.
var DefaultBudget = Budget{
	PartBytes:  96 << 20,
	TotalBytes: 160 << 20,
	Cells:      4_000_000,
	TextBytes:  24 << 20,
	Strings:    1_000_000,
}
