namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// The names a create sends to the CMS are cleaned in one place for every provider (found in trial13: a bidi override in
/// a first name reached the CMS's display name, though usernames were cleaned).
/// </summary>
public sealed class NameCleaningTests : IDisposable
{
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task A_create_sends_names_without_bidi_controls_or_zero_width_characters_and_keeps_emoji_and_scripts()
    {
        NewCmsAccount? sent = null;
        _h.Cms.BeforeCreate = account =>
        {
            sent = account;
            return Task.CompletedTask;
        };
        _h.Member("Ana\u202Enomis", "Lima\u200B 👩\u200D💻", "ana@example.org", c => c with { DisplayName = "\u2067مهدی\u200Cزاده\u2069" });

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.Created).Should().Be(1);
        sent!.FirstName.Should().Be("Ananomis");
        sent.LastName.Should().Be("Lima 👩\u200D💻", "the joiner of an emoji sequence is kept");
        sent.DisplayName.Should().Be("مهدی\u200Cزاده", "the non-joiner of a Persian name is kept, the isolate around it is not");
        var account = _h.Cms.Accounts.Should().ContainSingle().Subject;
        account.FirstName.Should().Be("Ananomis");
        account.LastName.Should().Be("Lima 👩\u200D💻");
    }

    [Fact]
    public async Task A_create_sends_field_template_values_cleaned_as_names_are()
    {
        _h.Configure = o =>
        {
            o.FieldMappings["field_full_name"] = "{contact.first_name} {contact.last_name}";
            o.FieldMappings["field_nick"] = "{contact.nick_name}";
        };
        _h.Member("Ana\u202Enomis", "Li\u200Bma", "ana@example.org", c => c with { NickName = "\u2067\u200B" });

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.Created).Should().Be(1);
        var account = _h.Cms.Accounts.Should().ContainSingle().Subject;
        account.Fields.Should().Equal(new Dictionary<string, string> { ["field_full_name"] = "Ananomis Lima" }, "a nick name of nothing visible is not sent as a field");
    }
}
