using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.AspNetCore.Tests;

/// <summary>
/// What an answer says and how it reads with curl (found in trial13): text is written as it is, not as <c>\u0027</c> and
/// <c>\u00EB</c> escapes, while invisible characters stay escaped; an <c>AlreadyLinked</c> answer names the username.
/// </summary>
public sealed class WebhookAnswerTextTests : IAsyncLifetime
{
    private readonly FakeCiviCrm _civi = new();
    private readonly FakeCmsAccountProvider _cms = new();
    private WebhookHost _host = null!;

    public async Task InitializeAsync() => _host = await WebhookHost.StartAsync(b => b.UseInMemory(_civi, _cms));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact(Timeout = 30_000)]
    public async Task An_answer_writes_apostrophes_accents_and_CJK_as_they_are_and_escapes_a_bidi_override()
    {
        const string Message = "O'Brien’s account for Zoë 李小龙 😀 was refused \u202Eevil";
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");
        _civi.AddToGroup("members", ana.Id);
        _cms.FailCreateFor("ana@example.org", () => FakeCmsAccountProvider.Permanent(Message));

        using var response = await _host.PostAsync($$"""{"contactId": {{ana.Id}}}""");
        var raw = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK, raw);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        raw.Should().Contain("O'Brien’s account for Zoë 李小龙 😀 was refused").And.NotContain("\\u0027").And.NotContain("\\u00EB")
            .And.Contain("\\u202Eevil", "a bidi override is escaped, not written bare").And.NotContain("\u202E");
        JsonDocument.Parse(raw).RootElement.GetProperty("error").GetProperty("message").GetString().Should().Contain(Message, "the escaping changes how it reads, not what it says");
    }

    [Fact(Timeout = 30_000)]
    public async Task A_refusal_writes_its_message_readably_too()
    {
        using var response = await _host.PostAsync("""{"contactId": 1, "rule": "Zoë's"}""");
        var raw = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, raw);
        raw.Should().Contain("No rule is named 'Zoë's'").And.NotContain("\\u0027");
    }

    [Fact(Timeout = 30_000)]
    public async Task An_AlreadyLinked_answer_names_the_accounts_username()
    {
        var (ana, account) = LinkedContact();

        using var response = await _host.PostAsync($$"""{"contactId": {{ana.Id}}}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        json.GetProperty("outcome").GetString().Should().Be("AlreadyLinked");
        json.GetProperty("username").GetString().Should().Be("ana.lima", "the link stores the email; the username is read from the CMS");
        json.GetProperty("cmsUserId").GetInt64().Should().Be(account.Id);
        _cms.Calls.GetValueOrDefault("GetById").Should().Be(1);
    }

    [Fact(Timeout = 30_000)]
    public async Task An_AlreadyLinked_answer_whose_username_cannot_be_read_is_still_AlreadyLinked()
    {
        var (ana, _) = LinkedContact();
        _cms.FailNext(FakeCmsAccountProvider.Transient());

        using var response = await _host.PostAsync($$"""{"contactId": {{ana.Id}}}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        json.GetProperty("outcome").GetString().Should().Be("AlreadyLinked");
        json.TryGetProperty("username", out _).Should().BeFalse("the read failed; the answer says nothing it does not know");
        json.TryGetProperty("error", out _).Should().BeFalse("the contact is linked: a failed read for the answer is no failure");
        _civi.GroupStatus("done", ana.Id).Should().Be("Added");
        _cms.Calls.Should().Equal(new Dictionary<string, int> { ["GetById"] = 1 }, "the one CMS call was the read that failed");
    }

    /// <summary>A contact in the trigger, linked to the account <c>ana.lima</c> by its email (as UFMatch stores it).</summary>
    private (Contact Contact, FakeProviderAccount Account) LinkedContact()
    {
        var account = _cms.AddAccount("ana.lima", "ana@example.org", "subscriber");
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");
        _civi.AddLink(new AccountLink(ana.Id, account.Id, "ana@example.org"));
        _civi.AddToGroup("members", ana.Id);
        return (ana, account);
    }
}
