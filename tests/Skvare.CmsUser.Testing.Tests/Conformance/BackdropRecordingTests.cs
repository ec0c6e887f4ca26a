using System.Text.Json;
using System.Text.RegularExpressions;
using Skvare.CmsUser.Testing.Backdrop;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>What the Backdrop recording must show for <see cref="BackdropAdapter"/>'s replay to mean what it says.</summary>
public sealed partial class BackdropRecordingTests
{
    private const string Folder = "backdrop-1.28-cmsuser_provision-1.0.0";

    [Fact]
    public void The_exchanges_listed_as_fixed_still_show_the_defect_in_the_recording()
    {
        var recorded = Recording.Load(Folder).Exchanges.ToDictionary(e => e.Seq);

        foreach (var (seq, _) in BackdropAdapter.FixedSinceRecording)
        {
            recorded[seq].Status.Should().Be(201, $"seq {seq} is listed because module 1.0.0 created the account");
            recorded[seq].JsonBody!.Value.GetProperty("language").GetString().Should().Be("fr");
        }
    }

    [Fact]
    public void The_recording_covers_every_route_and_the_fakes_error_codes_it_claims()
    {
        var exchanges = Recording.Load(Folder).Exchanges;
        var routes = exchanges.Where(e => e.Path.StartsWith("/api/cmsuser/v1/", StringComparison.Ordinal))
            .Select(e => e.Method + " " + UidInPath().Replace(e.Path, "/{uid}")).ToHashSet();
        var codes = exchanges.Select(e => e.ResponseJson)
            .Where(j => j is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String)
            .Select(j => j!.Value.GetProperty("code").GetString()).ToHashSet();

        exchanges.Should().HaveCount(133);
        exchanges.Count(e => e.Status <= 0).Should().Be(1, "seq 44 went to a closed port: no server answered, nothing to replay");
        // Module 1.2.0's remove-roles and unblock, and 1.3.0's roles, came after the recording (module 1.0.0).
        routes.Should().BeEquivalentTo(FakeBackdropServer.Routes.Where(r => !r.EndsWith("/remove-roles", StringComparison.Ordinal) && !r.EndsWith("/unblock", StringComparison.Ordinal) && r != "GET /api/cmsuser/v1/roles"));
        codes.Should().BeEquivalentTo(["duplicate_name", "duplicate_mail", "invalid_mail", "unknown_role", "invalid_field", "invalid_name", "not_found", "account_blocked", "unauthorized"]);
    }

    [GeneratedRegex(@"/\d+(?=/|$)")]
    private static partial Regex UidInPath();
}
