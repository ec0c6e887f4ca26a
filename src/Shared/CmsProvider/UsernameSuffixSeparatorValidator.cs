using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.Shared;

/// <summary>
/// Refuses at start a <c>CmsUser:UsernameSuffixSeparator</c> the CMS's usernames cannot hold (WordPress multisite allows
/// only lowercase letters and digits): every numbered username of a name that ends in a digit would be refused. A value
/// that is no separator at all (<c>x</c>) is the engine validator's to report, once.
/// </summary>
internal sealed class UsernameSuffixSeparatorValidator : IValidateOptions<CmsUserOptions>
{
    private readonly Func<(string Cms, UsernameRules Rules)?> _rules;

    /// <param name="rules">
    /// The CMS as the message names it and its username rules, read when the settings are checked; <see langword="null"/>
    /// when the package's own settings cannot be read (their validator reports why).
    /// </param>
    public UsernameSuffixSeparatorValidator(Func<(string Cms, UsernameRules Rules)?> rules) => _rules = rules;

    /// <summary>Registers the check for a CMS whose username rules are fixed.</summary>
    /// <param name="services">The package's services.</param>
    /// <param name="cms">The CMS, as the message names it.</param>
    /// <param name="rules">Its username rules.</param>
    public static void Register(IServiceCollection services, string cms, UsernameRules rules) =>
        services.AddSingleton<IValidateOptions<CmsUserOptions>>(new UsernameSuffixSeparatorValidator(() => (cms, rules)));

    /// <summary>
    /// Registers the check for a CMS whose username rules depend on its package's settings (WordPress's <c>Multisite</c>).
    /// The settings are read as configured, without their own validation: a problem there (reported by the package's
    /// validator) does not hide this one.
    /// </summary>
    /// <typeparam name="TOptions">The package's options.</typeparam>
    /// <param name="services">The package's services.</param>
    /// <param name="rules">The CMS as the message names it and its username rules, for the package's settings.</param>
    public static void Register<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(
        IServiceCollection services, Func<TOptions, (string Cms, UsernameRules Rules)> rules)
        where TOptions : class =>
        services.AddSingleton<IValidateOptions<CmsUserOptions>>(sp => new UsernameSuffixSeparatorValidator(() =>
        {
            try
            {
                var options = new OptionsFactory<TOptions>(sp.GetServices<IConfigureOptions<TOptions>>(), sp.GetServices<IPostConfigureOptions<TOptions>>())
                    .Create(Microsoft.Extensions.Options.Options.DefaultName);
                return rules(options);
            }
            catch (InvalidOperationException)
            {
                // A value the binder cannot convert: the package's settings check names it.
                return null;
            }
        }));

    public ValidateOptionsResult Validate(string? name, CmsUserOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.UsernameSuffixSeparator is not ("_" or "-" or ".") || _rules() is not { } cms)
        {
            return ValidateOptionsResult.Skip;
        }

        var separator = options.UsernameSuffixSeparator;
        if (cms.Rules.AllowedPunctuation.Contains(separator[0], StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Success;
        }

        var allowed = AllowedSeparators(cms.Rules);
        return ValidateOptionsResult.Fail(
            $"CmsUser:UsernameSuffixSeparator '{separator}' cannot be used with {cms.Cms}: {Allows(cms.Rules)}, so every numbered username "
            + $"of a name that ends in a digit would be refused. {(allowed.Length == 0 ? "Leave UsernameSuffixSeparator empty" : $"Use {allowed} or leave it empty")} "
            + "(newuser21 is then numbered newuser212).");
    }

    private static string Allows(UsernameRules rules)
    {
        var letters = rules.Lowercase ? "lowercase letters" : "letters";
        var punctuation = rules.AllowedPunctuation.Replace(" ", string.Empty, StringComparison.Ordinal);
        return punctuation.Length == 0
            ? $"its usernames allow only {letters} and digits"
            : $"its usernames allow only {letters}, digits and {string.Join(' ', punctuation.ToCharArray())}";
    }

    private static string AllowedSeparators(UsernameRules rules) =>
        string.Join(" or ", "_-.".Where(c => rules.AllowedPunctuation.Contains(c, StringComparison.Ordinal)).Select(c => $"'{c}'"));
}
