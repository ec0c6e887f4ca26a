using CsCheck;
using Skvare.CmsUser.Shared;
using Skvare.CmsUser.Tests.Properties;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// The one "did you mean" wording (<see cref="EditDistance.NotOneOf"/>), which the tool, the settings check, the web sample
/// and CiviCRM's reference check share: the list as given, and the nearest names and only those.
/// </summary>
public sealed class NotOneOfProperties
{
    private static readonly Gen<string> Name = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"], 1, 12];

    [Fact]
    public void The_message_lists_every_name_and_suggests_exactly_the_nearest_within_two_edits()
    {
        Gen.Select(Name.HashSet[1, 8], Name).Sample((set, value) =>
        {
            var allowed = set.ToList();
            var message = EditDistance.NotOneOf(value, allowed);

            var best = allowed.Min(n => EditDistance.Between(n, value));
            var expected = best <= 2 ? allowed.Where(n => EditDistance.Between(n, value) == best).ToList() : [];
            message.Should().StartWith($"is not one of {string.Join(", ", allowed)}");
            if (expected.Count == 0)
            {
                message.Should().Be($"is not one of {string.Join(", ", allowed)}.");
            }
            else
            {
                message.Should().Be($"is not one of {string.Join(", ", allowed)}; did you mean {string.Join(" or ", expected)}?");
            }
        });
    }

    [Fact]
    public void A_name_one_edit_away_is_always_among_the_suggestions()
    {
        Gen.Select(Name.HashSet[1, 6], Gen.Int[0, 100], Gen.Char["abcxyz_9"]).Sample((set, at, letter) =>
        {
            var allowed = set.ToList();
            var name = allowed[at % allowed.Count];
            var typo = name.Insert(at % (name.Length + 1), letter.ToString());
            if (allowed.Contains(typo, StringComparer.OrdinalIgnoreCase))
            {
                return;
            }

            EditDistance.DidYouMean(typo, allowed).Should().StartWith("did you mean ").And.Contain(name);
        });
    }

    [Fact]
    public void Any_text_gets_a_message_that_ends_as_a_sentence_and_never_throws()
    {
        HostileText.TextOrHuge.Sample(text =>
        {
            var message = EditDistance.NotOneOf(text, ["WordPress", "Drupal"]);
            message.Should().StartWith("is not one of WordPress, Drupal").And.Match(m => m.EndsWith('.') || m.EndsWith('?'));
        }, iter: 200);
    }

    [Fact]
    public void A_suggestion_is_written_as_the_caller_shows_names_and_can_start_a_sentence()
    {
        var hint = EditDistance.DidYouMean("plna", ["run", "plan", "check"], show: n => $"'cmsuser {n}'");

        hint.Should().Be("did you mean 'cmsuser plan'?");
        EditDistance.Sentence(hint).Should().Be("Did you mean 'cmsuser plan'?");
        EditDistance.Sentence("").Should().BeEmpty();
        EditDistance.Suggest([]).Should().BeEmpty();
    }

    [Fact]
    public void The_tool_and_the_settings_check_word_a_mistyped_name_the_same()
    {
        // The CMS (the tool's own setting) and an enum setting the core checks read alike.
        Settings.ParseCms("Wordpres").Problem.Should().Be("CmsUser:Cms is 'Wordpres', which is not one of WordPress, Drupal, Drupal7, Backdrop, Joomla, Standalone; did you mean WordPress?");
        Settings.NotACms("Wordpres").Should().Be(EditDistance.NotOneOf("Wordpres", Enum.GetNames<CmsKind>()));
    }
}
