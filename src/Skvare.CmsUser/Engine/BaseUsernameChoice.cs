namespace Skvare.CmsUser.Engine;

/// <summary>
/// A contact's base username (before a taken one is numbered) and, when the rule's pattern did not give it, why: a token of
/// the pattern has no value for the contact, or the pattern's tokens give nothing a username can keep (a name in a script
/// other than Latin, or emoji only, is dropped whole), leaving nothing or only the pattern's own text. Then <c>FallbackUsernamePattern</c> gave it, or, when that gave
/// nothing either, the contact id (<see cref="LastResort"/>).
/// </summary>
/// <param name="Name">The base username.</param>
/// <param name="Pattern">The rule's pattern, when the username is not its own; <see langword="null"/> when it is.</param>
/// <param name="EmptyToken">The pattern's first token without a value (<c>{contact.last_name}</c>), when that is why.</param>
/// <param name="LastResort">Whether <c>FallbackUsernamePattern</c> gave nothing either, so the name is <c>user</c> and the contact id.</param>
/// <param name="OnlyText">What the pattern gave when its tokens gave nothing a username can keep and only its own text was left
/// (<c>member</c> of <c>member-{contact.last_name}</c> for a name in Chinese), when that is why.</param>
internal readonly record struct BaseUsernameChoice(string Name, string? Pattern = null, string? EmptyToken = null, bool LastResort = false, string? OnlyText = null)
{
    /// <summary>Whether the rule's pattern did not give the name.</summary>
    public bool FellBack => Pattern is not null;
}
