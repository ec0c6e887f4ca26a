using System.Text.Json;
using CsCheck;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// What an administrator met trying the tool on the real CiviCRM 6.17.2 inside WordPress (trialadmin24): a settings file
/// that is empty or valid JSON but not an object was reported in the configuration provider's words, and a run whose
/// CiviCRM went away after WordPress had created every account was told to check its BaseUrl.
/// </summary>
public sealed class AdminTrial24Tests
{
    private static readonly Dictionary<string, string> NoEnvironment = [];

    private static CliException LoadFails(string content)
    {
        using var folder = new TempFolder();
        var file = folder.Write("appsettings.json", content);
        var load = () => Settings.Load(file, folder.Path, NoEnvironment);
        return load.Should().Throw<CliException>().Which;
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("  \r\n\t ")]
    [InlineData("\uFEFF")]
    public void An_empty_settings_file_says_it_is_empty_and_how_to_write_one(string content)
    {
        var error = LoadFails(content);

        error.ExitCode.Should().Be(ExitCodes.Configuration);
        error.Message.Should().EndWith("cannot be read: it is empty: a settings file is one JSON object, { \"CmsUser\": { … } }; 'cmsuser init wordpress' (or another CMS) writes an example.")
            .And.NotContain("line", "an empty file has no line to fix");
    }

    [Theory]
    [InlineData("[]", "array")]
    [InlineData("[{\"CmsUser\": {}}]", "array")]
    [InlineData("// my settings\n\"CmsUser\"", "string")]
    [InlineData("42", "number")]
    [InlineData("true", "boolean")]
    [InlineData("null", "null")]
    public void A_settings_file_of_json_that_is_not_an_object_names_what_it_holds_and_the_fix(string content, string kind)
    {
        var error = LoadFails(content);

        error.ExitCode.Should().Be(ExitCodes.Configuration);
        error.Message.Should().Contain($"cannot be read: it holds a JSON {kind}, not an object: a settings file is one JSON object")
            .And.NotContain("Top-level JSON element", "the configuration provider's words name no fix");
    }

    [Fact]
    public void A_syntax_error_keeps_its_line()
    {
        LoadFails("{\n  \"CmsUser\": {\n    \"Cms\": \"WordPress\"\n  \n").Message
            .Should().Contain("it is not valid JSON (line").And.NotContain("it is empty").And.NotContain("not an object");
    }

    [Fact]
    public void Any_top_level_json_value_that_is_not_an_object_is_named_and_never_echoed()
    {
        // The value is text an administrator may have pasted: a secret must not come back in the message.
        var scalar = Gen.OneOf(
            Gen.String.Select(s => (Json: JsonSerializer.Serialize("k-" + s), Kind: "string")),
            Gen.Long.Select(n => (Json: n.ToString(System.Globalization.CultureInfo.InvariantCulture), Kind: "number")),
            Gen.String.Array[0, 4].Select(a => (Json: JsonSerializer.Serialize(a.Select(s => "k-" + s)), Kind: "array")));
        Gen.Select(scalar, Gen.Int[0, 2]).Sample((value, padding) =>
        {
            var error = LoadFails(new string(' ', padding) + value.Json + "\n");
            error.Message.Should().Contain($"it holds a JSON {value.Kind}, not an object");
            if (value.Json.Contains("k-", StringComparison.Ordinal))
            {
                error.Message.Should().NotContain("k-", "the file's content is never echoed");
            }
        }, iter: 50);
    }

    private static ProvisioningOutcome WriteBackFailed(long contact, long account) => new()
    {
        ContactId = contact,
        Kind = OutcomeKind.Failed,
        Rule = "members",
        Username = "ana.batch" + contact,
        CmsUserId = account,
        Error = new ProvisioningError(FailureKind.Transient, CmsUserErrorCodes.WriteBackFailed,
            "The results could not be written to CiviCRM: the answer to the page's write-back was lost (CiviCRM ended the connection without an answer), this contact's part of it is missing, and writing it again failed (CiviCRM could not be reached). The contact stays in the trigger: the next run finds what was kept."),
    };

    private static RunSummary Quarantined(params ProvisioningOutcome[] failures) => new()
    {
        StartedAt = DateTimeOffset.UnixEpoch,
        Duration = TimeSpan.FromSeconds(75),
        Counts = new Dictionary<OutcomeKind, int> { [OutcomeKind.Failed] = failures.Length },
        Failures = failures,
        Quarantined = true,
        StopKind = RunStopKind.Quarantined,
        StopReason = "CiviCRM or the CMS is unavailable: the answer to the page's write-back was lost (CiviCRM ended the connection without an answer) and CiviCRM could not be asked what it kept (CiviCRM could not be reached, asked 3 times). CiviCRM may have applied it: the next run finds out and writes nothing twice.",
    };

    [Fact]
    public void A_civicrm_lost_after_the_cms_created_the_accounts_is_an_outage_not_a_mistyped_url()
    {
        // trialadmin24: the proxy in front of the real CiviCRM was killed after WordPress had created 50 accounts.
        var line = Output.StopLine("run", Quarantined(WriteBackFailed(4987, 3720), WriteBackFailed(4988, 3721)));

        line.Should().StartWith("Stopped (quarantined):").And.EndWith("run again when the server is back.").And.NotContain("BaseUrl");
    }

    [Fact]
    public void A_write_back_failure_without_an_account_still_names_the_BaseUrl()
    {
        // No account id: nothing shows the CMS answered in this run (a contact's Failed activity that could not be written).
        var noAccount = WriteBackFailed(4987, 3720) with { CmsUserId = null, Username = null };
        var otherCode = WriteBackFailed(4988, 3721) with
        {
            Error = new ProvisioningError(FailureKind.Transient, CmsUserErrorCodes.CmsUnavailable, "WordPress could not be reached (call: block an account; HttpRequestException: Connection refused (localhost:8099))."),
        };

        Output.StopLine("run", Quarantined(noAccount)).Should().EndWith(Output.NeverWorked);
        Output.StopLine("run", Quarantined(otherCode)).Should().EndWith(Output.NeverWorked, "an account id read from the CiviCRM link proves nothing about the CMS's URL");
    }

    private static RunSummary GaveUp(params string[] rules) => new()
    {
        StartedAt = DateTimeOffset.UnixEpoch,
        Duration = TimeSpan.FromSeconds(1),
        Counts = new Dictionary<OutcomeKind, int> { [OutcomeKind.GaveUp] = rules.Length },
        Failures = [.. rules.Select((rule, i) => new ProvisioningOutcome
        {
            ContactId = 4982 + i,
            Kind = OutcomeKind.GaveUp,
            Rule = rule,
            Attempt = 4,
            Error = new ProvisioningError(FailureKind.Permanent, CmsUserErrorCodes.AccountLinkedToOtherContact, "The email address is used by CMS account 3711."),
        })],
    };

    [Fact]
    public void Contacts_that_gave_up_from_a_group_trigger_are_not_told_about_saved_searches()
    {
        // trialadmin24: a run of a group-trigger rule said "(a saved search skips them until the failures age out)".
        HashSet<string> kept = new(StringComparer.OrdinalIgnoreCase) { "searched" };

        Output.RetryLine(Verbs.Provision, GaveUp("ta24", "ta24"), new RetryPolicy(), kept)
            .Should().Be("2 contacts gave up and were taken out of the trigger, so no run retries them: 'cmsuser failures --all' lists them with what to fix before putting them back in the trigger.");
        Output.RetryLine(Verbs.Provision, GaveUp("ta24", "Searched"), new RetryPolicy(), kept)
            .Should().Contain("(a saved search skips them until the failures age out)", "one came from a saved-search rule");
        Output.RetryLine(Verbs.Provision, GaveUp("ta24"), new RetryPolicy())
            .Should().Contain("(a saved search skips it until the failures age out)", "without the rules, the note stays");
    }
}
