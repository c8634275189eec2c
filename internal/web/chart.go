package web

// The charts are inline SVG computed here and drawn by templates, so they
// need no script, print well, and html/template escapes every label.

// series is one named count in a stacked bar, e.g. "verified: 12".
type series struct {
	Key   string // CSS class suffix and legend key, e.g. "verified"
	Label string // human label, e.g. "Verified"
}

// barInput is one row of a stacked bar chart before layout.
type barInput struct {
	Label  string
	Title  string
	Href   string
	Counts map[string]int
}

// barSeg is one coloured piece of a bar, in SVG user units.
type barSeg struct {
	X, W  float64
	Key   string
	Label string
	N     int
}

// barRow is a laid-out bar.
type barRow struct {
	Y      float64
	TextY  float64
	Label  string
	Title  string
	Href   string
	Total  int
	Segs   []barSeg
	Counts []int // per series, in series order, for the table view
}

// barChart is a stacked horizontal bar chart ready to draw.
type barChart struct {
	Width, Height float64
	LabelW        float64 // room for the row labels on the left
	BarW          float64 // the full width of a 100 % bar
	RowH          float64
	Series        []series
	Rows          []barRow
}

// stackedBars lays rows out as 100 % bars: each segment's width is its
// share of the row, so clauses of different sizes compare by proportion.
func stackedBars(in []barInput, ss []series) barChart {
	c := barChart{LabelW: 56, BarW: 640, RowH: 20, Series: ss}
	c.Width = c.LabelW + c.BarW + 4
	for i, r := range in {
		row := barRow{Y: float64(i) * c.RowH, Label: r.Label, Title: r.Title, Href: r.Href}
		row.TextY = row.Y + c.RowH*0.65
		for _, s := range ss {
			row.Total += r.Counts[s.Key]
			row.Counts = append(row.Counts, r.Counts[s.Key])
		}
		x := c.LabelW
		for _, s := range ss {
			n := r.Counts[s.Key]
			if n == 0 || row.Total == 0 {
				continue
			}
			w := c.BarW * float64(n) / float64(row.Total)
			row.Segs = append(row.Segs, barSeg{X: x, W: w, Key: s.Key, Label: s.Label, N: n})
			x += w
		}
		c.Rows = append(c.Rows, row)
	}
	c.Height = float64(len(in)) * c.RowH
	return c
}
