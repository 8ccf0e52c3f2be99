namespace Cerebrum.Core.Verification;

/// <summary>
/// Where a node's region claim says it is: a named region (cloud-style names: eu-west, us-east, ap-northeast, …) with
/// a centre and radius, or an explicit <c>geo:LAT,LON</c> (radius 50 km). A latency probe refutes the claim when the
/// round trip is shorter than light in fibre (about 200,000 km/s, so 100 km per millisecond of round trip) could cover
/// from the validator to the nearest edge of the region.
/// </summary>
public static class RegionCatalog
{
    /// <summary>Kilometres light in fibre covers, there and back, per millisecond of round trip.</summary>
    public const double KmPerRttMillisecond = 100;

    private static readonly Dictionary<string, GeoArea> Named = new(StringComparer.OrdinalIgnoreCase)
    {
        ["us-east"] = new(39.0, -77.5, 900),
        ["us-central"] = new(41.6, -93.6, 900),
        ["us-west"] = new(40.0, -121.0, 1_000),
        ["ca-central"] = new(45.5, -73.6, 800),
        ["sa-east"] = new(-23.5, -46.6, 1_200),
        ["eu-west"] = new(51.5, -3.0, 1_000),
        ["eu-central"] = new(50.1, 8.7, 700),
        ["eu-north"] = new(59.3, 18.1, 800),
        ["eu-south"] = new(41.9, 12.5, 800),
        ["me-central"] = new(25.2, 55.3, 1_000),
        ["af-south"] = new(-33.9, 18.4, 1_200),
        ["ap-south"] = new(19.1, 72.9, 1_200),
        ["ap-southeast"] = new(1.35, 103.8, 1_500),
        ["ap-northeast"] = new(35.7, 139.7, 1_200),
        ["ap-east"] = new(22.3, 114.2, 800),
        ["au-southeast"] = new(-33.9, 151.2, 1_200),
    };

    /// <summary>The region names this catalogue knows.</summary>
    public static IReadOnlyCollection<string> Names => Named.Keys;

    /// <summary>The area a region claim names; false for a name the catalogue does not know (such a claim cannot be refuted).</summary>
    public static bool TryLocate(string region, out GeoArea area)
    {
        region = region.Trim();
        if (Named.TryGetValue(region, out area!)) return true;
        if (region.StartsWith("geo:", StringComparison.OrdinalIgnoreCase) && GeoPoint.TryParse(region[4..], out var point))
        {
            area = new GeoArea(point.Latitude, point.Longitude, 50);
            return true;
        }
        area = null!;
        return false;
    }

    /// <summary>
    /// Whether a least round trip of <paramref name="rtt"/> from <paramref name="validator"/> refutes the claim
    /// <paramref name="region"/>: the region's nearest edge is farther than light in fibre could go and come back.
    /// </summary>
    public static bool Refutes(GeoPoint validator, string region, TimeSpan rtt, out double distanceKm, out double reachKm)
    {
        reachKm = rtt.TotalMilliseconds * KmPerRttMillisecond;
        distanceKm = 0;
        if (!TryLocate(region, out var area)) return false;
        distanceKm = Math.Max(0, GeoPoint.DistanceKm(validator, new GeoPoint(area.Latitude, area.Longitude)) - area.RadiusKm);
        return distanceKm > reachKm;
    }
}
