using System.Net;
using CsCheck;
using Skvare.CmsUser.Testing.Backdrop;
using Skvare.CmsUser.Testing.Drupal;
using Skvare.CmsUser.Testing.Drupal7;
using Skvare.CmsUser.Testing.Joomla;
using Skvare.CmsUser.Testing.Standalone;
using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.Testing.Tests;

/// <summary>Every CMS fake offers the same directory view, seeding, request log and faults (<see cref="IFakeCmsServer"/>).</summary>
public sealed class FakeCmsServerTests
{
    public static TheoryData<string> Cms() => ["wordpress", "drupal", "drupal7", "backdrop", "joomla", "standalone"];

    private static IFakeCmsServer Start(string cms) => cms switch
    {
        "wordpress" => new FakeWordPressServer(),
        "drupal" => FakeDrupalServer.Start(),
        "drupal7" => FakeDrupal7Server.Start(),
        "backdrop" => FakeBackdropServer.Start(),
        "standalone" => new FakeStandaloneServer(),
        _ => new FakeJoomlaServer(),
    };

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Cms))]
    public async Task A_seeded_account_is_in_the_directory_and_faults_and_the_log_work_alike(string cms)
    {
        using var site = Start(cms);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        var added = site.AddAccount("kit.user", "kit.user@example.org");
        site.FailNext(1, 503);
        using var failed = await http.GetAsync(site.BaseUrl);

        site.Users.Should().ContainSingle(a => a.Id == added.Id).Which.Should().BeEquivalentTo(
            new { Username = "kit.user", Email = "kit.user@example.org", Active = true });
        added.Roles.Should().NotBeNull();
        failed.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        site.RequestCount.Should().Be(1);
        site.RequestLogText.Should().ContainSingle().Which.Should().Contain("503");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_Standalone_account_belongs_to_a_contact_and_its_request_log_hides_the_params()
    {
        using var site = new FakeStandaloneServer();
        IFakeCmsServer kit = site;

        var added = kit.AddAccount("kit.user", "kit.user@example.org");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var body = new FormUrlEncodedContent(new Dictionary<string, string> { ["params"] = """{"values":{"password":"s3cret-Pa55word"}}""" });
        using var answer = await http.PostAsync(new Uri(site.Url, "civicrm/ajax/api4/User/update"), body);

        var user = site.Users.Single(u => u.Id == added.Id);
        user.ExtrasOf<FakeStandaloneUserExtras>().ContactId.Should().NotBeNull();
        site.Store.Rows("Email").Should().Contain(e => Equals(e["contact_id"], user.ExtrasOf<FakeStandaloneUserExtras>().ContactId) && Equals(e["email"], "kit.user@example.org"));
        kit.Users.Should().Contain(a => a.Username == "admin" && a.Roles.Contains("admin"), "the API user is listed with its role names");
        site.Requests.Should().ContainSingle().Which.ParamsJson.Should().Contain("s3cret-Pa55word", "the record keeps what was sent");
        kit.RequestLogText.Should().ContainSingle().Which.Should().NotContain("s3cret-Pa55word");
    }

    [Fact]
    public void A_user_prints_without_password_material_and_its_extras_are_typed()
    {
        var user = new FakeCmsUser(5, "jdoe", "jdoe@example.org", true, ["member"])
        {
            HasPassword = true,
            PasswordHash = FakePassword.Hash("Secret-Pa55"),
            Extras = new FakeDrupalUserExtras(Guid.NewGuid()),
        };

        user.PasswordMatches("Secret-Pa55").Should().BeTrue();
        user.PasswordMatches("secret-pa55").Should().BeFalse();
        user.ToString().Should().Contain("jdoe").And.Contain("member").And.NotContain(FakePassword.Hash("Secret-Pa55")).And.NotContain("PasswordHash");
        user.ExtrasOf<FakeDrupalUserExtras>().Uuid.Should().NotBeEmpty();
        user.Invoking(u => u.ExtrasOf<FakeJoomlaUserExtras>()).Should().Throw<InvalidOperationException>().WithMessage("*FakeDrupalUserExtras*");
    }

    [Fact]
    public void The_storage_rows_print_without_their_password_hash_in_one_shape()
    {
        var hash = FakePassword.Hash("Secret-Pa55");

        var drupal = new DrupalUserRow(7, Guid.NewGuid(), "jdoe", "jdoe@example.org") { Roles = ["member", "editor"], PasswordHash = hash };
        var drupal7 = new Drupal7UserRow(8, "kdoe", "kdoe@example.org") { Status = 0, RoleIds = [3, 4], PasswordHash = hash };
        var backdrop = new BackdropUserRow(9, "ldoe", "ldoe@example.org") { Roles = ["member"], PasswordHash = hash };

        drupal.ToString().Should().Be("DrupalUserRow { Uid = 7, Name = jdoe, Mail = jdoe@example.org, Status = True, Roles = [member, editor] }");
        drupal7.ToString().Should().Be("Drupal7UserRow { Uid = 8, Name = kdoe, Mail = kdoe@example.org, Status = 0, RoleIds = [3, 4] }");
        backdrop.ToString().Should().Be("BackdropUserRow { Uid = 9, Name = ldoe, Mail = ldoe@example.org, Status = 1, Roles = [member] }");
    }

    [Fact]
    public void A_storage_row_matches_exactly_its_own_password_and_a_row_without_one_matches_none()
    {
        Gen.String.Sample(password =>
        {
            var row = new Drupal7UserRow(1, "u", "u@example.org") { PasswordHash = FakePassword.Hash(password) };
            var none = new BackdropUserRow(1, "u", "u@example.org");
            return row.PasswordMatches(password) && !row.PasswordMatches(password + "x") && !none.PasswordMatches(password);
        });
    }
}
