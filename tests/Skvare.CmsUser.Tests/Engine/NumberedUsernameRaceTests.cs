using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// A numbered username another writer takes between the look-up that found it free and the create: the engine moves on
/// to the next number of its own sequence (2, 3, …), never to a number read from the refused name's trailing digits.
/// </summary>
public sealed class NumberedUsernameRaceTests
{
    private const CmsCapabilities Refusing =
        CmsCapabilities.CreateWithoutPassword | CmsCapabilities.Block | CmsCapabilities.RemoveRoles | CmsCapabilities.CreateRefusesDuplicates;

    public static TheoryData<bool> CreateFirst => new() { true, false };

    /// <summary>
    /// Regression: base <c>newuser21</c>, its first number <c>newuser212</c> taken by a racing writer; the refused name's
    /// trailing digits read 212, so the next try started at 213, past <see cref="CmsUserOptions.MaxUsernameSuffix"/> (50),
    /// and the contact failed with every number "taken".
    /// </summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(CreateFirst))]
    public async Task A_base_ending_in_digits_whose_numbered_name_is_taken_in_a_race_gets_the_next_number(bool createFirst)
    {
        using var h = Harness(createFirst);
        h.Configure = o => o.UsernamePattern = "{contact.first_name}";
        h.Cms.AddAccount("newuser21", "first@example.org");
        TakeInRace(h, "newuser212");
        var contact = h.Member("Newuser21", "Lima", "ana@example.org");

        var summary = await h.Provisioner.RunOnceAsync();

        summary.Failures.Should().BeEmpty();
        summary.Count(OutcomeKind.Created).Should().Be(1);
        h.Cms.Accounts.Should().ContainSingle(a => a.Email == "ana@example.org").Which.Username.Should().Be("newuser213", "3 is the next number of newuser21's own sequence");
        h.Civi.Links.Should().ContainSingle(l => l.ContactId == contact.Id);
    }

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(CreateFirst))]
    public async Task A_race_near_the_limit_takes_the_last_number_and_fails_only_past_it(bool createFirst)
    {
        // MaxUsernameSuffix 2: numbers 2 and 3. Base user7, user72 taken in a race: user73 is still allowed (the old code
        // read 72 and jumped past the limit).
        using var h = Harness(createFirst);
        h.Configure = o => (o.UsernamePattern, o.MaxUsernameSuffix) = ("{contact.first_name}", 2);
        h.Cms.AddAccount("user7", "first@example.org");
        TakeInRace(h, "user72");
        h.Member("User7", "Lima", "ana@example.org");

        var summary = await h.Provisioner.RunOnceAsync();

        summary.Failures.Should().BeEmpty();
        h.Cms.Accounts.Select(a => a.Username).Should().BeEquivalentTo("user7", "user72", "user73");
    }

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(CreateFirst))]
    public async Task With_a_separator_a_race_moves_on_to_the_next_separated_number(bool createFirst)
    {
        using var h = Harness(createFirst);
        h.Configure = o => (o.UsernamePattern, o.UsernameSuffixSeparator) = ("{contact.first_name}", "_");
        h.Cms.AddAccount("newuser21", "first@example.org");
        TakeInRace(h, "newuser21_2");
        h.Member("Newuser21", "Lima", "ana@example.org");

        var summary = await h.Provisioner.RunOnceAsync();

        summary.Failures.Should().BeEmpty();
        h.Cms.Accounts.Should().ContainSingle(a => a.Email == "ana@example.org").Which.Username.Should().Be("newuser21_3");
    }

    private static EngineHarness Harness(bool createFirst) => new(createFirst ? new FakeCmsAccountProvider(Refusing) : new FakeCmsAccountProvider());

    /// <summary>Another writer creates <paramref name="username"/> just before the engine's first create of it.</summary>
    private static void TakeInRace(EngineHarness h, string username)
    {
        var taken = 0;
        h.Cms.BeforeCreate = account =>
        {
            if (string.Equals(account.Username, username, StringComparison.Ordinal) && Interlocked.Exchange(ref taken, 1) == 0)
            {
                h.Cms.AddAccount(username, "racer@example.org");
            }

            return Task.CompletedTask;
        };
    }
}
