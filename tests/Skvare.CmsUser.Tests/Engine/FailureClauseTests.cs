using CsCheck;
using Skvare.CmsUser.Engine;
using Skvare.CmsUser.Tests.Properties;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// Another failure inside a message that states the consequence (<see cref="FailureClause"/>): the admin trial on the real
/// CiviCRM read "… lost (CiviCRM did not answer in time; … check CiviCRM before repeating it.) and CiviCRM could not be asked
/// what it kept (CiviCRM could not be reached: the request was never sent, so nothing was done., asked 3 times). CiviCRM may
/// have applied it: the next run finds out and writes nothing twice." The messages below are built as the packages build
/// them (TransportWords in src/Shared/Channel, the CiviCRM and CMS classifiers).
/// </summary>
public sealed class FailureClauseTests
{
    /// <summary>TransportWords.What's words, by what became of the request.</summary>
    private static readonly string[] Whats = ["could not be reached", "did not answer in time", "ended the connection without an answer", "gave no usable answer"];

    /// <summary>TransportWords.Consequence's sentences, with where = CiviCRM or the site.</summary>
    private static string[] Consequences(string where) =>
    [
        ": the request was never sent, so nothing was done.",
        ".",
        $"; the request may have reached {where} and been carried out: the account may exist now, and it is looked up by email before any new try.",
        $"; the request may have reached {where} and been carried out (repeating it does no harm: it leaves the same state).",
        $"; the request may have reached {where} and been carried out, so it was not sent again: check {where} before repeating it.",
    ];

    /// <summary>Words of a consequence: none may be left in a clause.</summary>
    private static readonly string[] ConsequenceWords =
        ["nothing was done", "may have reached", "carried out", "not sent again", "before repeating", "looked up by email", "does no harm", "tried again", "damaged on its way", "failed for a moment"];

    private static readonly Gen<string> Server = Gen.OneOf(Gen.Const("CiviCRM"), Gen.Const("WordPress"), Gen.Const("Drupal 7"), Gen.Const("Joomla"));

    private static readonly Gen<string> Detail = HostileText.Text.Where(d => !FailureClause.ConsequenceOpenings.Any(o => d.Contains(o, StringComparison.Ordinal)) && !d.Contains(" (call: ", StringComparison.Ordinal));

    [Fact]
    public void A_transport_failure_is_only_what_happened_without_its_consequence_or_full_stop()
    {
        Gen.Select(Server, Gen.OneOf(Whats.Select(Gen.Const).ToArray()), Gen.String[Gen.Char.AlphaNumeric, 1, 12], Detail, Gen.Int[0, 4], Gen.Bool).Sample((server, what, call, detail, n, civi) =>
        {
            var where = civi ? "CiviCRM" : "the site";
            var message = $"{server} {what} (call: {call}; {detail}){Consequences(where)[n]}";

            FailureClause.Of(message).Should().Be($"{server} {what}");
            var logged = FailureClause.Of(message, detail: true);
            logged.Should().Be($"{server} {what} (call: {call}; {detail})");
            Assert(logged);
        });
    }

    [Fact]
    public void Any_failure_message_loses_its_consequence_and_full_stop()
    {
        var messages = Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 1, 12], Detail, Gen.Int[0, 7]).Select((call, detail, n) => n switch
        {
            // The CiviCRM classifier's cut answers and answers that are not API v4 (Api4ErrorMapper.cs).
            0 => $"CiviCRM's answer to {call} was cut short on its way, on every try: {detail}",
            1 => $"CiviCRM's answer to {call} was cut short on its way; the call may have been carried out, so it is not sent again: {detail}",
            2 => $"{call} answered (HTTP 200) with JSON cut short ({detail}); the answer was damaged on its way, so the call is tried again later.",
            3 => $"{call} answered (HTTP 200 text/html) with a page that is not an API v4 answer ({detail}), though the same URL answered the API earlier: the site failed for a moment, so the call is tried again later.",
            4 => $"CiviCRM is unavailable for {call} (HTTP 503: {detail}).",
            // A CMS provider's cut answers (TransportFailures.Cms.cs).
            5 => $"WordPress's answer to {call} was cut short on its way, on every try ({detail}); the contact is tried again on a later run.",
            6 => $"WordPress's answer to {call} was cut short on its way ({detail}); the request reached the site and may have been carried out, so it is not sent again; the contact is tried again on a later run.",
            _ => $"{detail}.",
        });

        Gen.Select(messages, Gen.Bool).Sample((message, detail) => Assert(FailureClause.Of(message, detail)));
    }

    [Theory]
    [InlineData("CiviCRM did not answer in time (call: Activity.save; TimeoutRejectedException: The operation didn't complete within the allowed timeout of '00:00:30'.); the request may have reached CiviCRM and been carried out, so it was not sent again: check CiviCRM before repeating it.", "CiviCRM did not answer in time")]
    [InlineData("CiviCRM could not be reached (call: Contact.get; HttpRequestException: Connection refused (localhost:8082)): the request was never sent, so nothing was done.", "CiviCRM could not be reached")]
    [InlineData("CiviCRM failed on Contact.get with an error page (HTTP 500).", "CiviCRM failed on Contact.get with an error page (HTTP 500)")]
    [InlineData("...", "a failure without a message")]
    public void A_message_becomes_its_clause(string message, string clause) => FailureClause.Of(message).Should().Be(clause);

    [Fact]
    public void An_exception_that_is_not_the_sdks_is_named_by_its_type() =>
        FailureClause.Of(new HttpRequestException("secret-bearing runtime words.")).Should().Be(nameof(HttpRequestException));

    private static void Assert(string clause)
    {
        clause.Should().NotEndWith(".").And.NotEndWith(";").And.NotEndWith(":").And.NotBeEmpty();
        foreach (var words in ConsequenceWords)
        {
            clause.Should().NotContain(words);
        }
    }
}
