using System.Net.Mail;
using System.Text;
using CsCheck;

namespace Skvare.CmsUser.Standalone.Tests;

public sealed class EmailRuleTests
{
    [Theory]
    [InlineData("jdoe@example.org", true)]
    [InlineData("Jane.O'Neil+news@mail.example.co.uk", true)]
    [InlineData("a@[127.0.0.1]", true)]
    [InlineData("a@b", false)]
    [InlineData("not-an-email-084457r", false)]
    [InlineData("u@exa_mple.org", false)]
    [InlineData("x@@y.org", false)]
    [InlineData(".a@example.org", false)]
    [InlineData("a..b@example.org", false)]
    [InlineData("a@example.123", false)]
    [InlineData("a@-example.org", false)]
    [InlineData("\"quoted\"@example.org", false)]
    [InlineData("jörg@example.org", false)]
    [InlineData("", false)]
    public void Matches_what_the_reset_mailer_accepts(string email, bool mailable) =>
        StandaloneEmailRule.IsMailable(email).Should().Be(mailable);

    [Fact]
    public void A_65_character_local_part_is_refused() =>
        StandaloneEmailRule.IsMailable(new string('a', 65) + "@example.org").Should().BeFalse();

    [Fact]
    public void Anything_it_accepts_is_a_plain_ascii_address_with_a_dotted_domain() =>
        Gen.OneOf(Gen.String, Gen.String[Gen.Char["ab1.@-_\" []éZ+"], 0, 24]).Sample(text =>
        {
            if (StandaloneEmailRule.IsMailable(text))
            {
                Ascii.IsValid(text).Should().BeTrue();
                MailAddress.TryCreate(text, out var parsed).Should().BeTrue();
                parsed!.Host.Should().Contain(".");
                text.Length.Should().BeLessThanOrEqualTo(254);
            }
        });

    [Fact]
    public void Addresses_made_of_atoms_and_letter_labels_are_accepted()
    {
        var atom = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~"], 1, 10];
        var label = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"], 1, 12];
        var tld = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz"], 2, 6];
        var address = Gen.Select(atom.Array[1, 3], label.Array[1, 3], tld, (local, labels, top) => $"{string.Join('.', local)}@{string.Join('.', labels)}.{top}");

        address.Sample(email => StandaloneEmailRule.IsMailable(email).Should().BeTrue(email));
    }

    [Fact]
    public void Arbitrary_text_never_throws() =>
        Gen.String.Sample(text => { _ = StandaloneEmailRule.IsMailable(text); });
}
