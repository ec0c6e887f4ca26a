namespace Skvare.CmsUser;

/// <summary>The default of <see cref="ICmsAccountProvider.CheckCredentialsAsync"/>: the provider's connectivity report, summed up.</summary>
internal static class CredentialsCheck
{
    /// <summary>The name of the summed-up check.</summary>
    internal const string Name = "Credentials";

    /// <summary>
    /// Passed when <paramref name="provider"/>'s connectivity report is healthy; otherwise its first failed check that is
    /// not transient (a setting to fix wins over a server to wait for, as in <c>cmsuser check</c>), else its first failed one.
    /// </summary>
    public static async Task<ConnectivityCheck> FromConnectivityAsync(ICmsAccountProvider provider, CancellationToken cancellationToken)
    {
        var report = await provider.CheckConnectivityAsync(cancellationToken).ConfigureAwait(false);
        if (report.Healthy)
        {
            return new ConnectivityCheck(Name, true, $"{report.Target}: every check passed.");
        }

        var failed = report.Checks.Where(c => !c.Passed).ToList();
        return failed.FirstOrDefault(c => c.Failure != FailureKind.Transient)
            ?? failed.FirstOrDefault()
            ?? new ConnectivityCheck(Name, false, $"{report.Target}: the connectivity check failed without naming a check.") { Failure = FailureKind.Configuration };
    }
}
