namespace Skvare.CmsUser.Cli;

/// <summary>The options every command shares, read from the command line.</summary>
/// <param name="SettingsFile">The <c>--settings</c> file, or <see langword="null"/> for the default.</param>
/// <param name="Rule">The <c>--rule</c> name, or <see langword="null"/> for all rules.</param>
/// <param name="Json">Machine-readable output.</param>
/// <param name="Verbose">Debug logs and stack traces.</param>
internal sealed record CliOptions(string? SettingsFile, string? Rule, bool Json, bool Verbose);
