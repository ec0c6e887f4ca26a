using Skvare.CmsUser.Testing.CiviCrm;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// How CiviCRM tells its time zone (<c>civicrm-6.17.2-timezone-*</c>): API v3 <c>System.get</c> over
/// <c>civicrm/ajax/rest</c>, API v4 <c>NOW()</c>, and <c>System.get</c> with a wrong key (seq 3), against
/// <see cref="FakeCiviCrmServer"/>. The recorded site ran in UTC, the fake's default; nothing else is seeded.
/// </summary>
public sealed class CiviCrmTimeZoneAdapter : RecordingAdapter
{
    private const int WrongKey = 3;
    private readonly FakeCiviCrmServer _civi = new() { JsonContentType = "application/json; charset=UTF-8" };

    /// <inheritdoc />
    public override void Seed(Recording recording)
    {
    }

    /// <inheritdoc />
    protected override Uri BaseUrlFor(RecordedExchange exchange) => _civi.Url;

    /// <inheritdoc />
    protected override string? Credential(RecordedExchange exchange, string header) =>
        header.Equals("X-Civi-Auth", StringComparison.OrdinalIgnoreCase)
            ? "Bearer " + (exchange.Seq == WrongKey ? "wrong-" + _civi.ApiKey : _civi.ApiKey)
            : null;

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _civi.Dispose();
        }
    }
}
