using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Skvare.CmsUser.Testing.Drupal;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal.Tests;

/// <summary>The busy answer through the provider and the engine (<see cref="BusyCreateContract"/>).</summary>
public sealed class BusyCreateTests : BusyCreateContract
{
    public BusyCreateTests()
    {
        var host = Own(new DrupalTestHost(o => o.UseCompanionModule = true));
        host.Server.CompanionModuleEnabled = true;
        Use(host.Provider, email => host.Server.HoldCreateLock(email: email), email => host.Server.Users.Count(u => u.Email == email));
    }

    protected override string? BusyErrorCode => "cmsuser_busy";
}

/// <summary>
/// cmsuser_companion 1.1.1 holds create locks on the email and the username around core REST's validate-then-insert;
/// a create that cannot take one within its wait answers 503 <c>cmsuser_busy</c> before the controller runs, so nothing
/// was created. The provider must treat that as <see cref="CmsErrorReason.Unavailable"/>, never as an unknown outcome.
/// </summary>
public sealed class ConcurrentCreateTests : IDisposable
{
    private const string BusyBody = """{"message":"Another request is creating an account with this email address; nothing was created. Retry later.","code":"cmsuser_busy"}""";

    private readonly DrupalTestHost _host = new(o => o.UseCompanionModule = true);

    public ConcurrentCreateTests() => _host.Server.CompanionModuleEnabled = true;

    public void Dispose() => _host.Dispose();

    [Fact]
    public void Busy_is_recognised_by_its_code_only_a_bare_503_on_a_create_stays_an_unknown_outcome()
    {
        var busy = DrupalErrors.FromResponse(503, "application/json", BusyBody, DrupalApi.Rest, isCreate: true, DrupalAuthenticationMode.Basic);
        busy.Reason.Should().Be(CmsErrorReason.Unavailable);
        busy.ErrorCode.Should().Be("cmsuser_busy");
        busy.Message.Should().Contain("nothing was created");

        DrupalErrors.FromResponse(503, "application/json", """{"message":"Service unavailable"}""", DrupalApi.Rest, isCreate: true, DrupalAuthenticationMode.Basic)
            .Reason.Should().Be(CmsErrorReason.UnknownOutcome);
        DrupalErrors.FromResponse(500, "application/json", """{"message":"x","code":"cmsuser_busy"}""", DrupalApi.Rest, isCreate: true, DrupalAuthenticationMode.Basic)
            .Reason.Should().Be(CmsErrorReason.UnknownOutcome, "only the module's 503 means the lock was not taken");
    }

    [Fact(Timeout = 30_000)]
    public async Task Busy_answer_is_the_modules_json_naming_the_value_whose_lock_was_held()
    {
        using (_host.Server.HoldCreateLock(username: "JDOE"))
        {
            var (status, body) = await Post(_host.Server, "jdoe", "jdoe@example.org");

            status.Should().Be(503);
            JsonNode.DeepEquals(JsonNode.Parse(body), JsonNode.Parse(BusyBody.Replace("email address", "username", StringComparison.Ordinal))).Should().BeTrue(body);
        }

        using (_host.Server.HoldCreateLock(email: "jdoe@example.org", username: "jdoe"))
        {
            var (_, body) = await Post(_host.Server, "jdoe", "jdoe@example.org");
            JsonNode.DeepEquals(JsonNode.Parse(body), JsonNode.Parse(BusyBody)).Should().BeTrue("the email's lock is taken first");
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task The_lock_comes_before_the_controller_checks_administer_users()
    {
        _host.Server.ApiUserCanAdministerUsers = false;
        using (_host.Server.HoldCreateLock(email: "jdoe@example.org"))
        {
            (await Post(_host.Server, "jdoe", "jdoe@example.org")).Status.Should().Be(503);
        }

        (await Post(_host.Server, "jdoe", "jdoe@example.org")).Status.Should().Be(403);
    }

    [Fact(Timeout = 30_000)]
    public async Task Without_the_module_nothing_is_locked()
    {
        _host.Server.CompanionModuleEnabled = false;
        using var held = _host.Server.HoldCreateLock(email: "jdoe@example.org");

        (await Post(_host.Server, "jdoe", "jdoe@example.org")).Status.Should().Be(201);
    }

    [Fact(Timeout = 60_000)]
    public async Task Any_case_variant_of_a_held_name_or_email_is_busy_and_other_values_are_not()
    {
        var local = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"], 1, 16];
        await Gen.Select(local, Gen.Int[0, int.MaxValue]).SampleAsync(async (name, seed) =>
        {
            var random = new Random(seed);
            string Variant(string value) => new([.. value.Select(c => random.Next(2) == 0 ? char.ToUpperInvariant(c) : c)]);
            var email = name + "@example.org";
            using var server = FakeDrupalServer.Start();
            server.CompanionModuleEnabled = true;
            using (server.HoldCreateLock(email: email, username: name))
            {
                (await Post(server, "other", Variant(email))).Status.Should().Be(503);
                (await Post(server, Variant(name), "other@example.org")).Status.Should().Be(503);
                (await Post(server, "x" + name, "x" + email)).Status.Should().Be(201, "other values take other locks");
            }

            (await Post(server, name, email)).Status.Should().Be(201, "the locks are free again");
        }, iter: 30);
    }

    private static async Task<(int Status, string Body)> Post(FakeDrupalServer server, string name, string mail)
    {
        using var client = new HttpClient { BaseAddress = server.BaseUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(FakeDrupalServer.ApiUsername + ":" + server.ApiPassword)));
        var body = new JsonObject
        {
            ["name"] = new JsonArray(new JsonObject { ["value"] = name }),
            ["mail"] = new JsonArray(new JsonObject { ["value"] = mail }),
        }.ToJsonString();
        using var response = await client.PostAsync(new Uri("entity/user?_format=json", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
