package directory

import "math"

const (
	// sameRadiusMetres is how far apart two shared points can be and still
	// be one asset: a site's entrance and its middle, or two people's
	// thumbs on a map.
	sameRadiusMetres = 500
	// earthRadiusMetres is the mean radius of the Earth.
	earthRadiusMetres = 6_371_008.8
)

// compatible reports whether two areas may be the same place, in which
// case the person is asked. Points, being precise, decide when both have
// one; otherwise texts decide when both have one (postcodes by their
// outward code). An empty area, or a text against a point, cannot tell
// two places apart, so they are compatible.
func compatible(a, b Area) bool {
	if a.HasPoint && b.HasPoint {
		return distanceMetres(a, b) <= sameRadiusMetres
	}
	at, bt := NormalizeArea(a.Text), NormalizeArea(b.Text)
	if at != "" && bt != "" {
		return at == bt
	}
	return true
}

// distanceMetres is the great-circle (haversine) distance between the
// points of a and b.
func distanceMetres(a, b Area) float64 {
	rad := func(deg float64) float64 { return deg * math.Pi / 180 }
	dLat, dLon := rad(b.Lat-a.Lat), rad(b.Lon-a.Lon)
	h := math.Pow(math.Sin(dLat/2), 2) + math.Cos(rad(a.Lat))*math.Cos(rad(b.Lat))*math.Pow(math.Sin(dLon/2), 2)
	return 2 * earthRadiusMetres * math.Asin(math.Sqrt(min(1, h)))
}
