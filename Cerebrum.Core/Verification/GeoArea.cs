namespace Cerebrum.Core.Verification;

/// <summary>A region: centre and radius.</summary>
public sealed record GeoArea(double Latitude, double Longitude, double RadiusKm);
