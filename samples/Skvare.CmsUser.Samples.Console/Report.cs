using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser;
using Spectre.Console;

namespace Skvare.CmsUser.Samples.Console;

/// <summary>Prints summaries and state.</summary>
internal static class Report
{
    public static void Summary(RunSummary summary)
    {
        var table = new Table().Title("Run summary").AddColumns("Outcome", "Contacts");
        foreach (var (kind, count) in summary.Counts)
        {
            table.AddRow(kind.ToString(), count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        table.AddRow("[bold]Total[/]", summary.Total.ToString(System.Globalization.CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(System.Globalization.CultureInfo.InvariantCulture, "Duration: {0}", summary.Duration);
        if (summary.StopReason is not null)
        {
            AnsiConsole.MarkupLine(System.Globalization.CultureInfo.InvariantCulture, "[red]Stopped{0}:[/] {1}", summary.Quarantined ? " (quarantined)" : "", Markup.Escape(summary.StopReason));
        }

        Failures(summary);
    }

    public static void Failures(RunSummary summary)
    {
        if (summary.Failures.Count == 0)
        {
            return;
        }

        var table = new Table().Title("Failures").AddColumns("Contact", "Outcome", "Attempt", "Code", "Message");
        foreach (var f in summary.Failures)
        {
            table.AddRow(f.ContactId.ToString(System.Globalization.CultureInfo.InvariantCulture), f.Kind.ToString(), f.Attempt?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "", Markup.Escape(f.Error?.Code ?? ""), Markup.Escape(f.Error?.Message ?? ""));
        }

        AnsiConsole.Write(table);
    }

    public static void DemoState(DemoBackends demo)
    {
        AnsiConsole.MarkupLine(System.Globalization.CultureInfo.InvariantCulture, "[green]Demo:[/] {0}", Markup.Escape(demo.Describe()));
    }

    public static async Task<bool> ConnectivityAsync(IServiceProvider services)
    {
        var civicrm = await services.GetRequiredService<Skvare.CmsUser.CiviCrm.CiviCrmConnectivityCheck>().CheckAsync();
        Print(civicrm);
        var cms = await services.GetRequiredService<ICmsAccountProvider>().CheckConnectivityAsync();
        Print(cms);
        return civicrm.Healthy && cms.Healthy;
    }

    private static void Print(ConnectivityReport report)
    {
        var table = new Table().Title(Markup.Escape(report.Target)).AddColumns("Check", "Result", "Detail");
        foreach (var check in report.Checks)
        {
            table.AddRow(Markup.Escape(check.Name), check.Passed ? "[green]ok[/]" : "[red]FAILED[/]", Markup.Escape(check.Detail));
        }

        AnsiConsole.Write(table);
    }
}
