using System.Net;
using Skvare.CmsUser.Testing.Backdrop;
using Skvare.CmsUser.Testing.Drupal;
using Skvare.CmsUser.Testing.Drupal7;
using Skvare.CmsUser.Testing.Joomla;
using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.Testing.Tests;

/// <summary>Every CMS fake offers the same directory view, seeding, request log and faults (<see cref="IFakeCmsServer"/>).</summary>
public sealed class FakeCmsServerTests
{
    public static TheoryData<string> Cms() => ["wordpress", "drupal", "drupal7", "backdrop", "joomla"];

    private static IFakeCmsServer Start(string cms) => cms switch
    {
        "wordpress" => new FakeWordPressServer(),
        "drupal" => FakeDrupalServer.Start(),
        "drupal7" => FakeDrupal7Server.Start(),
        "backdrop" => FakeBackdropServer.Start(),
        _ => new FakeJoomlaServer(),
    };

    [Theory(Timeout = 20_000)]
    [MemberData(nameof(Cms))]
    public async Task A_seeded_account_is_in_the_directory_and_faults_and_the_log_work_alike(string cms)
    {
        using var site = Start(cms);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        var added = site.AddAccount("kit.user", "kit.user@example.org");
        site.FailNext(1, 503);
        using var failed = await http.GetAsync(site.BaseUrl);

        site.Accounts.Should().ContainSingle(a => a.Id == added.Id).Which.Should().BeEquivalentTo(
            new { Username = "kit.user", Email = "kit.user@example.org", Active = true });
        added.Roles.Should().NotBeNull();
        failed.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        site.RequestCount.Should().Be(1);
        site.RequestLogText.Should().ContainSingle().Which.Should().Contain("503");
    }
}
