using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Backdrop.Tests;

/// <summary>The busy answer through the provider and the engine (<see cref="BusyCreateContract"/>).</summary>
public sealed class BusyCreateTests : BusyCreateContract
{
    public BusyCreateTests()
    {
        var host = Own(new BackdropTestHost());
        Use(host.Provider, email => host.Server.HoldCreateLock(email: email), email => host.Server.Users.Count(u => u.Email == email));
    }

    protected override string? BusyErrorCode => "busy";
}

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

    [Fact(Timeout = 60_000)]
    public async Task Any_case_or_accent_variant_of_a_held_name_or_email_is_busy_and_other_values_are_not()
    {
        // Not "0": Backdrop's name check is PHP's !$name, true for "0", so the module refuses it (422) before any lock.
        var local = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"], 1, 16].Where(name => name != "0");
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
