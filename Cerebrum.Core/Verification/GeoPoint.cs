using System.Globalization;

namespace Cerebrum.Core.Verification;

/// <summary>A place: latitude and longitude in degrees.</summary>
public sealed record GeoPoint(double Latitude, double Longitude)
{
    private const double EarthRadiusKm = 6_371;

    /// <summary>"LAT,LON" in degrees, e.g. "48.85,2.35".</summary>
    public static bool TryParse(string text, out GeoPoint point)
    {
        point = null!;
        var parts = text.Split(',');
        if (parts.Length != 2
            || !double.TryParse(parts[0].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var latitude)
            || !double.TryParse(parts[1].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var longitude)
            || latitude is < -90 or > 90 || longitude is < -180 or > 180)
            return false;
        point = new GeoPoint(latitude, longitude);
        return true;
    }

    /// <summary>Great-circle distance (haversine).</summary>
    public static double DistanceKm(GeoPoint a, GeoPoint b)
    {
        static double Radians(double degrees) => degrees * Math.PI / 180;
        var dLat = Radians(b.Latitude - a.Latitude);
        var dLon = Radians(b.Longitude - a.Longitude);
        var h = Math.Sin(dLat / 2) * Math.Sin(dLat / 2) + Math.Cos(Radians(a.Latitude)) * Math.Cos(Radians(b.Latitude)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }
}
