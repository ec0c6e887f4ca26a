using CsCheck;
using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser.Tests.Properties;

/// <summary>CiviCRM's token filters over any contact text: never an exception, the same answer twice, and what each filter promises.</summary>
public sealed class TokenFilterProperties
{
    private static readonly string[] Patterns =
    [
        "{contact.first_name|lower}", "{contact.first_name|upper}", "{contact.first_name|capitalize}", "{contact.first_name|default:\"member\"}",
    ];

    [Fact]
    public void Filters_never_throw_are_deterministic_and_keep_their_promise() =>
        Gen.Select(HostileText.MaybeText, Gen.Int[0, Patterns.Length - 1]).Sample(input =>
        {
            var (name, which) = input;
            var template = UsernameTemplate.Parse(Patterns[which]);
            var contact = new Contact { Id = 7, FirstName = name };

            var first = template.Render(contact);
            template.Render(contact with { FirstName = name is null ? null : new string(name.AsSpan()) }).Should().Be(first);
            switch (which)
            {
                case 0:
                    first.Should().Be(PhpCase.Lower(name ?? ""), "|lower is PHP's mb_strtolower");
                    break;
                case 1:
                    first.Should().Be(PhpCase.Upper(name ?? ""), "|upper is PHP's mb_strtoupper");
                    break;
                case 2:
                    UsernameTemplate.Parse(Patterns[2]).Render(contact with { FirstName = first }).Should().Be(first, "capitalizing twice changes nothing more");
                    first.Length.Should().BeGreaterThanOrEqualTo((name ?? "").Length, "a letter may become several (ß → Ss), never fewer");
                    break;
                default:
                    first.Should().Be(string.IsNullOrEmpty(name) || name == "0" ? "member" : name);
                    break;
            }
        }, iter: 2000);
}
