using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Backdrop.Tests;

/// <summary>
/// Module 1.2.1 runs a create's duplicate checks and save under create locks on the email and the username; a create
/// that cannot take one within its wait answers 503 <c>busy</c> and creates nothing. The provider must treat that as
/// <see cref="CmsErrorReason.Unavailable"/> (retry later, no attempt spent), never as an unknown outcome.
/// </summary>
public sealed class ConcurrentCreateTests : IDisposable
{
    private readonly BackdropTestHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact(Timeout = 30_000)]
    public async Task Busy_answer_is_Unavailable_creates_nothing_and_the_create_succeeds_once_the_lock_is_free()
    {
        var account = BackdropTestHost.NewAccount();
        var held = _host.Server.HoldCreateLock(email: "JDOE@example.org ");

        var act = () => _host.Provider.CreateAsync(account);

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Unavailable, "the lock was not taken, so nothing can have been created");
        ex.Kind.Should().Be(FailureKind.Transient);
        ex.ErrorCode.Should().Be("busy");
        ex.StatusCode.Should().Be(503);
        _host.Server.Users.Should().NotContain(u => u.Email == account.Email);
        _host.Server.Requests.Count(r => r.Method == "POST").Should().Be(1, "a create is never resent automatically");

        held.Dispose();
        (await _host.Provider.CreateAsync(account)).Email.Should().Be(account.Email);
    }

    [Fact(Timeout = 30_000)]
    public async Task Busy_answer_is_the_modules_error_shape_naming_the_field_whose_lock_was_held()
    {
        using var client = new HttpClient { BaseAddress = _host.Server.BaseUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _host.Server.Secret);
        using (_host.Server.HoldCreateLock(username: "Jdoe"))
        {
            using var response = await client.PostAsync(new Uri("api/cmsuser/v1/users", UriKind.Relative), new StringContent("""{"name":"jdoe","mail":"jdoe@example.org"}""", Encoding.UTF8, "application/json"));

            ((int)response.StatusCode).Should().Be(503);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
            JsonNode.DeepEquals(JsonNode.Parse(await response.Content.ReadAsStringAsync()), JsonNode.Parse("""
                {"code":"busy","message":"Another request is creating an account with this username; nothing was created. Retry later.","field":"name"}
                """)).Should().BeTrue();
        }

        _host.Server.Users.Should().NotContain(u => u.Username == "jdoe");
    }

    [Fact(Timeout = 30_000)]
    public async Task A_refusal_the_module_makes_before_taking_the_locks_wins_over_busy()
    {
        using var held = _host.Server.HoldCreateLock(email: "not-an-email");

        var act = () => _host.Provider.CreateAsync(BackdropTestHost.NewAccount() with { Email = "not-an-email" });

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.InvalidEmail);
    }

    [Fact(Timeout = 30_000)]
    public async Task Engine_leaves_a_busy_contact_for_a_later_run_without_spending_an_attempt()
    {
        var civi = new FakeCiviCrm();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddCmsUserProvisioning(o => o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members") }))
            .UseInMemory(civi, _host.Provider);
        await using var provider = services.BuildServiceProvider();
        var contact = civi.AddContact("Ann", "Lee", "ann.lee@example.org");
        civi.AddToGroup("members", contact.Id);
        var provisioner = provider.GetRequiredService<IUserProvisioner>();

        ProvisioningOutcome busy;
        using (_host.Server.HoldCreateLock(email: "ann.lee@example.org"))
        {
            busy = await provisioner.ProvisionAsync(contact.Id);
        }

        busy.Kind.Should().Be(OutcomeKind.Failed);
        busy.Error!.Kind.Should().Be(FailureKind.Transient);
        var attempts = await civi.CountFailedAttemptsAsync([new AttemptCountRequest(contact.Id, DateTimeOffset.MinValue)], ActivityKind.AccountCreation);
        attempts[contact.Id].Should().Be(0, "a busy lock is transient and does not use up an attempt");
        _host.Server.Users.Should().NotContain(u => u.Email == "ann.lee@example.org");

        var next = await provisioner.ProvisionAsync(contact.Id);
        next.Kind.Should().Be(OutcomeKind.Created);
        _host.Server.Users.Count(u => u.Email == "ann.lee@example.org").Should().Be(1);
    }

    [Fact(Timeout = 60_000)]
    public async Task Any_case_or_accent_variant_of_a_held_name_or_email_is_busy_and_other_values_are_not()
    {
        var local = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"], 1, 16];
        await Gen.Select(local, Gen.Int[0, int.MaxValue]).SampleAsync(async (name, seed) =>
        {
            var random = new Random(seed);
            // What a second contact might carry: other letter case and, in the username, accented vowels (the site's
            // duplicate checks ignore both; an email must be ASCII to pass the module's validation).
            var nameVariant = new string([.. name.Select(c => random.Next(3) switch
            {
                0 => char.ToUpperInvariant(c),
                1 when "aeiou".Contains(c, StringComparison.Ordinal) => Accented(c),
                _ => c,
            })]);
            var email = name + "@example.org";
            var emailVariant = new string([.. email.Select(c => random.Next(2) == 0 ? char.ToUpperInvariant(c) : c)]);
            using var server = Testing.Backdrop.FakeBackdropServer.Start();
            using (server.HoldCreateLock(email: email, username: name))
            {
                (await Post(server, "other", emailVariant)).Should().Be(503, $"{emailVariant} shares {email}'s lock");
                (await Post(server, nameVariant, "other@example.org")).Should().Be(503, $"{nameVariant} shares {name}'s lock");
                (await Post(server, "x" + name, "x" + email)).Should().Be(201, "other values take other locks");
            }

            (await Post(server, name, email)).Should().Be(201, "the locks are free again");
        }, iter: 30);
    }

    private static char Accented(char vowel) => vowel switch
    {
        'a' => 'á',
        'e' => 'é',
        'i' => 'í',
        'o' => 'ó',
        _ => 'ú',
    };

    private static async Task<int> Post(Testing.Backdrop.FakeBackdropServer server, string name, string mail)
    {
        using var client = new HttpClient { BaseAddress = server.BaseUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Secret);
        var body = new JsonObject { ["name"] = name, ["mail"] = mail }.ToJsonString();
        using var response = await client.PostAsync(new Uri("api/cmsuser/v1/users", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        return (int)response.StatusCode;
    }
}
