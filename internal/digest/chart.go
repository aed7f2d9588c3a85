package digest

import (
	"bytes"
	"fmt"
	"image/color"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/assetbot/assetbot/internal/flow"
)

// The chart's size: wide enough for twelve weeks' labels, and small enough
// to send as a photo.
const (
	// ChartWidth and ChartHeight are the chart's size in pixels.
	ChartWidth, ChartHeight = 1200, 600
	// chartDPI is the resolution it is drawn at.
	chartDPI = 96
	// chartWeeks is how many weeks of new people it shows.
	chartWeeks = 12
	// barWidth is the width of a bar.
	barWidth = 20 * vg.Millimeter
	// weekBarWidth is the width of a week's bar, twelve side by side.
	weekBarWidth = 8 * vg.Millimeter
	// weekLabel is how a week is named under its bar: the day it starts.
	weekLabel = "2/1"
)

// barColour is the bars' colour.
var barColour = color.RGBA{R: 0x2b, G: 0x6c, B: 0xb0, A: 0xff}

// pixels converts a size in pixels at chartDPI to a vg.Length.
func pixels(n int) vg.Length { return vg.Length(n) * vg.Inch / chartDPI }

// Chart draws the digest's chart as a PNG of ChartWidth by ChartHeight
// pixels: new people per week over the last chartWeeks weeks beside the
// assets on the map by kind, in lang (titles and kinds' names).
func Chart(d Digest, lang string) ([]byte, error) {
	say := func(id string) string { return d.resident.Text(id, lang) }
	weeks := make(plotter.Values, len(d.Weeks))
	labels := make([]string, len(d.Weeks))
	for i, n := range d.Weeks {
		// d.Weeks runs from this week back; the chart runs forward.
		j := len(d.Weeks) - 1 - i
		weeks[j] = float64(n)
		labels[j] = d.Now.In(d.loc).Add(-time.Duration(i+1) * Week).Format(weekLabel)
	}
	people, err := bars(say(flow.MsgChartPeople), weeks, labels, weekBarWidth)
	if err != nil {
		return nil, err
	}
	assets, err := kindBars(d, lang)
	if err != nil {
		return nil, err
	}
	img := vgimg.NewWith(vgimg.UseWH(pixels(ChartWidth), pixels(ChartHeight)), vgimg.UseDPI(chartDPI), vgimg.UseBackgroundColor(color.White))
	canvases := plot.Align([][]*plot.Plot{{people, assets}}, draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Centimeter, PadY: vg.Centimeter,
		PadTop: vg.Centimeter, PadBottom: vg.Centimeter, PadLeft: vg.Centimeter, PadRight: vg.Centimeter}, draw.New(img))
	people.Draw(canvases[0][0])
	assets.Draw(canvases[0][1])
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("digest chart: %w", err)
	}
	return buf.Bytes(), nil
}

// kindBars is the chart of the assets on the map by kind, each bar named
// as the digest's text names it: by its flow's title in lang.
func kindBars(d Digest, lang string) (*plot.Plot, error) {
	kinds := make(plotter.Values, len(d.Kinds))
	names := make([]string, len(d.Kinds))
	for i, k := range d.Kinds {
		kinds[i] = float64(k.Total)
		names[i] = d.title(k.Kind, lang)
	}
	return bars(d.resident.Text(flow.MsgChartAssets, lang), kinds, names, barWidth)
}

// bars is a bar chart titled title of values named by labels.
func bars(title string, values plotter.Values, labels []string, width vg.Length) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Min = 0
	if len(values) == 0 {
		// An empty map still gets its axes, not an error.
		return p, nil
	}
	b, err := plotter.NewBarChart(values, width)
	if err != nil {
		return nil, fmt.Errorf("digest chart %q: %w", title, err)
	}
	b.Color = barColour
	b.LineStyle.Width = 0
	p.Add(b)
	p.NominalX(labels...)
	return p, nil
}
