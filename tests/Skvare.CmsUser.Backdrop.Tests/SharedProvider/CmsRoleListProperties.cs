using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Skvare.CmsUser.Shared;
using Skvare.CmsUser.Tests.Properties;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Backdrop.Tests.SharedProvider;

/// <summary>
/// The one reader of the roles routes' answer (src/Shared/CmsProvider/CmsRoleList.cs), which the WordPress companion
/// plugin and the Backdrop module share: any role list written as PHP or .NET writes JSON reads back as written, and any
/// other answer gives the typed failure (<see cref="CmsErrorReason.UnexpectedResponse"/>), never another exception and
/// never part of a list.
/// </summary>
public sealed class CmsRoleListProperties
{
    private const string Source = "test component";

    /// <summary>One role as a route writes it; a member left out is <see langword="null"/> (label) or absent (assignable).</summary>
    private sealed record Written(string Name, string? Label, bool LabelWritten, bool? Assignable);

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>Text a role name or label can be: anything valid UTF-16 (PHP's encoder writes nothing else), hostile included.</summary>
    private static readonly Gen<string> RoleText = HostileText.Text.Where(t => t.Length > 0 && !HasLoneSurrogate(t));

    /// <summary>Whether <paramref name="text"/> is not valid UTF-16 (a lone surrogate), which a strict encoder refuses.</summary>
    private static bool HasLoneSurrogate(string text)
    {
        try
        {
            StrictUtf8.GetByteCount(text);
            return false;
        }
        catch (EncoderFallbackException)
        {
            return true;
        }
    }

    /// <summary>Text a role name can be: <see cref="RoleText"/> with something visible (a name of only whitespace is refused).</summary>
    private static readonly Gen<string> RoleName = RoleText.Where(t => !string.IsNullOrWhiteSpace(t));

    /// <summary>Names of only whitespace: ASCII, Unicode spaces (no-break, ideographic, line separator) and tabs.</summary>
    private static readonly Gen<string> BlankName = Gen.OneOf(" ", "\t", "\u00A0", "\u2003", "\u3000", "\u2028", "\r\n").Array[1, 5].Select(parts => string.Concat(parts));

    private static readonly Gen<Written> Roles = Gen.Select(RoleName, Gen.Frequency((4, RoleText.Select(t => (string?)t)), (1, Gen.Const((string?)null))), Gen.Bool, Gen.OneOf(Gen.Const((bool?)null), Gen.Const((bool?)true), Gen.Const((bool?)false)))
        .Select((name, label, labelWritten, assignable) => new Written(name, label, labelWritten || label is not null, assignable));

    /// <summary>The answer as a route writes it: .NET's escaping, or PHP's (every non-ASCII character and slash escaped).</summary>
    private static string Answer(IReadOnlyList<Written> roles, bool php)
    {
        var list = new JsonArray();
        foreach (var role in roles)
        {
            var item = new JsonObject { ["name"] = role.Name };
            if (role.LabelWritten)
            {
                item["label"] = role.Label;
            }

            if (role.Assignable is { } assignable)
            {
                item["assignable"] = assignable;
            }

            list.Add(item);
        }

        var text = new JsonObject { ["roles"] = list }.ToJsonString(new JsonSerializerOptions { Encoder = php ? JavaScriptEncoder.Default : JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        return php ? text.Replace("/", "\\/", StringComparison.Ordinal) : text;
    }

    /// <summary>The answer parsed as the channel parses it (a repeated member name refused): <see langword="null"/> when it is no JSON (the channel's own typed failure).</summary>
    private static bool TryParse(string body, out JsonNode? node)
    {
        try
        {
            node = JsonNode.Parse(body, documentOptions: HttpChannel.StrictJson);
            return true;
        }
        catch (JsonException)
        {
            node = null;
            return false;
        }
    }

    [Fact]
    public void Any_role_list_reads_back_as_written() =>
        Gen.Select(Roles.Array[0, 6], Gen.Bool).Sample((roles, php) =>
        {
            TryParse(Answer(roles, php), out var node).Should().BeTrue();

            var read = CmsRoleList.Read(node, "Backdrop", Source);

            read.Should().Equal(roles.Select(r => new CmsSiteRole(r.Name, r.Label, r.Assignable)));
        }, iter: 1000);

    [Fact]
    public void A_role_named_only_whitespace_anywhere_in_the_list_refuses_the_list_naming_its_place() =>
        Gen.Select(Roles.Array[0, 5], BlankName, Gen.Int[0, 5], Gen.Bool).Sample((roles, blank, at, php) =>
        {
            var place = Math.Min(at, roles.Length);
            var written = roles.Take(place).Append(new Written(blank, "Blank", true, null)).Concat(roles.Skip(place)).ToList();
            TryParse(Answer(written, php), out var node).Should().BeTrue();

            var ex = FluentActions.Invoking(() => CmsRoleList.Read(node, "WordPress", Source)).Should().Throw<CmsProviderException>().Which;

            ex.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
            ex.Message.Should().Be($"WordPress's {Source} answered its roles route with role {place + 1}'s name only whitespace; update it.");
        });

    [Theory]
    [InlineData("""{"roles":[{"name":"authenticated","label":"Authenticated"},{"name":"editor","label":"Editor"}]}""", "authenticated,editor")]
    [InlineData("""{"roles":[{"name":"subscriber","label":"Subscriber","assignable":true},{"name":"shop_manager","label":"Shop manager","assignable":false}]}""", "subscriber,shop_manager")]
    [InlineData("""{"roles":[]}""", "")]
    [InlineData("""{"roles":[{"name":"123","label":null}]}""", "123")]
    public void Answers_of_the_routes_read_as_their_roles(string body, string names)
    {
        TryParse(body, out var node).Should().BeTrue();

        CmsRoleList.Read(node, "WordPress", Source).Select(r => r.Name).Should().Equal(names.Split(',', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("""{"roles":null}""", "without a role list")]
    [InlineData("""{"roles":{"0":{"name":"editor"}}}""", "without a role list")]
    [InlineData("""[{"name":"editor"}]""", "without a role list")]
    [InlineData("""null""", "without a role list")]
    [InlineData("""{"roles":[null]}""", "with role 1 not an object")]
    [InlineData("""{"roles":[{"name":"editor"},"admin"]}""", "with role 2 not an object")]
    [InlineData("""{"roles":[{"name":5}]}""", "with role 1 without a name as text")]
    [InlineData("""{"roles":[{"name":""}]}""", "with role 1 without a name as text")]
    [InlineData("""{"roles":[{"label":"Editor"}]}""", "with role 1 without a name as text")]
    [InlineData("""{"roles":[{"name":"\ud800"}]}""", "with role 1 without a name as text")]
    [InlineData("""{"roles":[{"name":" "}]}""", "with role 1's name only whitespace")]
    [InlineData("""{"roles":[{"name":"editor"},{"name":"\u3000\t","label":"Blank"}]}""", "with role 2's name only whitespace")]
    [InlineData("""{"roles":[{"name":"editor","label":["Editor"]}]}""", "with role 1's label not text")]
    [InlineData("""{"roles":[{"name":"editor","assignable":"yes"}]}""", "with role 1's \"assignable\" not true or false")]
    public void A_list_with_anything_but_roles_is_refused_whole_naming_what(string body, string what)
    {
        TryParse(body, out var node).Should().BeTrue();

        var ex = FluentActions.Invoking(() => CmsRoleList.Read(node, "Backdrop", Source)).Should().Throw<CmsProviderException>().Which;

        ex.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
        ex.Cms.Should().Be("Backdrop");
        ex.Message.Should().Be($"Backdrop's {Source} answered its roles route {what}; update it.", "the message names the CMS");
    }

    /// <summary>Answers near the shape (role objects of generated members) and far from it (any JSON), whole or cut short.</summary>
    private static readonly Gen<string> Malformed = Gen.Frequency(
        (2, OddJson.Any),
        (2, OddJson.Any.Select(v => $"{{\"roles\":{v}}}")),
        (2, OddJson.Any.Array[0, 4].Select(items => $"{{\"roles\":[{string.Join(",", items)}]}}")),
        (4, OddJson.ObjectOf(OddJson.Member("name"), OddJson.Member("label"), OddJson.Member("assignable")).Array[0, 4]
            .Select(items => $"{{\"roles\":[{string.Join(",", items)}]}}")),
        (2, Gen.Select(Roles.Array[1, 4], Gen.Bool, Gen.Int[1, 30]).Select((roles, php, cut) =>
        {
            var text = Answer(roles, php);
            return text[..Math.Max(0, text.Length - cut)];
        })));

    [Fact]
    public void Any_answer_gives_roles_or_the_typed_failure() =>
        Malformed.Sample(body =>
        {
            if (!TryParse(body, out var node))
            {
                // Not JSON, or a member named twice: the channel's own unreadable failure, before any reader.
                return;
            }

            try
            {
                CmsRoleList.Read(node, "Backdrop", Source).Should().NotContain(r => string.IsNullOrWhiteSpace(r.Name));
            }
            catch (CmsProviderException ex)
            {
                ex.Reason.Should().Be(CmsErrorReason.UnexpectedResponse, body);
                ex.Message.Should().StartWith($"Backdrop's {Source} answered its roles route ");
            }
        }, iter: 2000);
}
