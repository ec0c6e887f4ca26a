using System.Globalization;
using System.Text;
using CsCheck;
using Skvare.CmsUser.Engine;
using Skvare.CmsUser.Retry;

namespace Skvare.CmsUser.Tests.Properties;

/// <summary>
/// An on-demand call answers from a contact's latest Failed record exactly when its details are the text the page write
/// writes for the defect the contact has now: for any email, message and name (emoji, CJK, right-to-left text, controls,
/// lone surrogates) the record written for a defect matches it whatever attempt it was, and any other text (one piece more
/// anywhere, another Unicode normalisation, white space at either end) does not.
/// </summary>
public sealed class RecordedFailureProperties
{
    private static readonly AttemptPolicy Policy = new(new RetryPolicy());

    private static readonly DateTimeOffset Now = new(2026, 12, 3, 7, 0, 0, TimeSpan.Zero);

    private static readonly Gen<string> Name = Gen.Frequency(
        (3, Gen.OneOf("花子 佐藤", "שלום עליכם", "محمد", "Zoë 😀", "O'Brien", "\u202Eevil\u202C", "👨‍👩‍👧‍👦")),
        (2, HostileText.Text));

    /// <summary>A contact with a defect of each kind: no email, one on hold, an invalid one, data that cannot be read.</summary>
    private static readonly Gen<Contact> Defective = Gen.Frequency(
        (1, Name.Select(name => new Contact { Id = 7, DisplayName = name })),
        (2, Gen.Select(HostileText.Text, Name).Select((email, name) => new Contact { Id = 7, DisplayName = name, Email = email + "@", EmailOnHold = false })),
        (2, Gen.Select(HostileText.Text, Name).Select((email, name) => new Contact { Id = 7, DisplayName = name, Email = email + "x@example.org", EmailOnHold = true })),
        (2, Gen.Select(HostileText.TextOrHuge, Name).Select((message, name) => new Contact { Id = 7, DisplayName = name, Email = "ok@example.org", DataError = message + " " + name })));

    private static readonly Gen<(Contact Contact, int Prior, int Now)> Input =
        Gen.Select(Defective, Gen.Int[0, 3], Gen.Int[0, 3]);

    /// <summary>The details the page write writes for the contact's defect at its attempt after <paramref name="prior"/> counted failures.</summary>
    private static (ContactDefect Defect, string Details, OutcomeKind Kind) Recorded(Contact contact, int prior)
    {
        var defect = ContactPipeline.DefectOf(contact) ?? throw new InvalidOperationException("The generator makes defective contacts.");
        var failure = defect.FailureOf(Start(contact, prior), Policy);
        return (defect, PageWriter.DetailsOf(failure, failed: true)!, failure.Kind);
    }

    private static ContactResult Start(Contact contact, int prior) => new(contact, "members", ActivityKind.AccountCreation, prior);

    private static ActivityEntry Record(Contact contact, string? details) =>
        new(contact.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Failed, "Failed to create User " + contact.DisplayName, details, Now.AddMinutes(-5)) { Id = 41 };

    [Fact]
    public void The_record_written_for_a_defect_answers_a_later_call_for_the_same_defect_whatever_attempt_it_was() =>
        Input.Where(i => ContactPipeline.DefectOf(i.Contact) is not null).Sample(input =>
        {
            var (defect, details, kind) = Recorded(input.Contact, input.Prior);

            var answer = RecordedFailure.Match(Record(input.Contact, details), defect, Start(input.Contact, input.Now), Policy, Now.AddDays(-30), out var mismatch);

            answer.Should().NotBeNull(mismatch);
            answer!.Kind.Should().Be(kind);
            answer.Error.Code.Should().Be(defect.Code);
            answer.Error.Message.Should().Be(defect.Message);
            answer.Record.Id.Should().Be(41);
        });

    [Fact]
    public void Details_with_one_piece_more_anywhere_are_another_failure() =>
        Gen.Select(Input, HostileText.Text.Where(t => t.Length > 0 && !t.Any(char.IsAsciiDigit)), Gen.Double[0, 1])
            .Where(i => ContactPipeline.DefectOf(i.Item1.Contact) is not null)
            .Sample((input, piece, where) =>
            {
                var (defect, details, _) = Recorded(input.Contact, input.Prior);
                var at = (int)(where * details.Length);
                var changed = details[..at] + piece + details[at..];

                RecordedFailure.Match(Record(input.Contact, changed), defect, Start(input.Contact, input.Now), Policy, Now.AddDays(-30), out var mismatch)
                    .Should().BeNull();
                mismatch.Should().Contain("other details");
            });

    [Fact]
    public void Details_in_another_normalisation_or_with_white_space_at_either_end_are_another_failure() =>
        Gen.Select(Input, Gen.Int[0, 3])
            .Where(i => ContactPipeline.DefectOf(i.Item1.Contact) is not null)
            .Sample((input, how) =>
            {
                var (defect, details, _) = Recorded(input.Contact, input.Prior);
                var changed = how switch
                {
                    0 => details + " ",
                    1 => "\u00A0" + details,
                    2 => Normalized(details, NormalizationForm.FormD) ?? details + "\t",
                    _ => Normalized(details, NormalizationForm.FormC) ?? details + "\r\n",
                };

                RecordedFailure.Match(Record(input.Contact, changed), defect, Start(input.Contact, input.Now), Policy, Now.AddDays(-30), out _).Should().BeNull();
            });

    /// <summary>The text in another normalisation form, or <see langword="null"/> when it is in that form already or is not valid Unicode.</summary>
    private static string? Normalized(string text, NormalizationForm form)
    {
        try
        {
            return text.IsNormalized(form) ? null : text.Normalize(form);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    // A gave-up record's details end the message without its trailing white space (the sentence follows), so two messages
    // that differ only there are one text: the same failure as recorded.
    [Fact]
    public void The_record_of_another_defect_is_never_the_answer() =>
        Gen.Select(Input, Defective)
            .Where(i => ContactPipeline.DefectOf(i.Item1.Contact) is { } a && ContactPipeline.DefectOf(i.Item2) is { } b && (a.Code != b.Code || a.Message.TrimEnd() != b.Message.TrimEnd()))
            .Sample((input, other) =>
            {
                var (_, details, _) = Recorded(input.Contact, input.Prior);
                var now = ContactPipeline.DefectOf(other)!;

                RecordedFailure.Match(Record(other, details), now, Start(other, input.Now), Policy, Now.AddDays(-30), out _).Should().BeNull();
            });

    [Fact]
    public void The_attempt_a_gave_up_record_names_is_read_back() =>
        Gen.Select(Defective, Gen.Int[0, int.MaxValue - 1])
            .Where(i => ContactPipeline.DefectOf(i.Item1) is not null)
            .Sample((contact, attempt) =>
            {
                var failure = ContactPipeline.DefectOf(contact)!.FailureOf(Start(contact, 0), Policy) with { Kind = OutcomeKind.GaveUp, Attempt = attempt };
                var details = PageWriter.DetailsOf(failure, failed: true)!;

                RecordedFailure.AttemptOf(details).Should().Be(attempt, details.ToString(CultureInfo.InvariantCulture));
            });
}
