using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Skvare.CmsUser.Shared;

/// <summary>The argument checks every <see cref="ICmsAccountProvider"/> makes before it sends anything.</summary>
internal static class ProviderArguments
{
    /// <summary>A new account needs a username and an email.</summary>
    public static void NewAccount([NotNull] NewCmsAccount? account, [CallerArgumentExpression(nameof(account))] string? name = null)
    {
        ArgumentNullException.ThrowIfNull(account, name);
        ArgumentException.ThrowIfNullOrWhiteSpace(account.Username, name);
        ArgumentException.ThrowIfNullOrWhiteSpace(account.Email, name);
    }

    /// <summary>An existing account needs its CMS user id.</summary>
    public static void Existing([NotNull] CmsAccount? account, [CallerArgumentExpression(nameof(account))] string? name = null)
    {
        ArgumentNullException.ThrowIfNull(account, name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(account.UserId, name);
    }
}
