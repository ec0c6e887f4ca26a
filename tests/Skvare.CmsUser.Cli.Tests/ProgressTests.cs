namespace Skvare.CmsUser.Cli.Tests;

/// <summary>The progress line and the run summary keep each rule's counts apart from the run's total.</summary>
public sealed class ProgressTests
{
    private static ProvisioningProgress Report(string pass, int run, int inPass, int number, int count, OutcomeKind kind, string? rule = null) =>
        new(rule ?? pass, run, new ProvisioningOutcome { ContactId = run, Kind = kind, Rule = rule ?? pass })
        {
            Pass = pass,
            PassProcessed = inPass,
            PassNumber = number,
            PassCount = count,
        };

    private static readonly ProvisioningProgress[] TwoRules =
    [
        Report("members", 1, 1, 1, 3, OutcomeKind.Created),
        Report("members", 2, 2, 1, 3, OutcomeKind.AlreadyLinked),
        Report("members", 3, 3, 1, 3, OutcomeKind.Created),
        Report("members (deprovision)", 4, 1, 2, 3, OutcomeKind.Blocked, rule: "members"),
        Report("volunteers", 5, 1, 3, 3, OutcomeKind.Created),
        Report("volunteers", 6, 2, 3, 3, OutcomeKind.GaveUp),
    ];

    [Fact]
    public void Redirected_progress_names_the_pass_of_each_count_and_ends_each_pass_with_its_own_line()
    {
        using var error = new StringWriter();
        var printer = new ProgressPrinter("Provisioning", pageSize: 2, quiet: false, new ErrorConsole(error, interactive: false));

        foreach (var report in TwoRules)
        {
            printer.Report(report);
        }

        printer.Finish();

        error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Should().Equal(
            "Provisioning [1/3] members: 2 contacts so far (Created 1, Already linked 1); 2 in the run",
            "Provisioning [1/3] members: 3 contacts (Created 2, Already linked 1); 3 in the run",
            "Provisioning [2/3] members (deprovision): 1 contact (Blocked 1); 4 in the run",
            "Provisioning [3/3] volunteers: 2 contacts so far (Created 1, Gave up 1); 6 in the run",
            "Provisioning [3/3] volunteers: 2 contacts (Created 1, Gave up 1); 6 in the run");
        printer.Passes.Select(p => (p.Pass, p.Number, p.Total)).Should().Equal(("members", 1, 3), ("members (deprovision)", 2, 1), ("volunteers", 3, 2));
        printer.Outcomes.Should().HaveCount(6);
    }

    [Fact]
    public void On_a_terminal_each_pass_keeps_its_last_line_and_the_line_under_way_is_rewritten()
    {
        using var error = new StringWriter();
        var printer = new ProgressPrinter("Provisioning", pageSize: 100, quiet: false, new ErrorConsole(error, interactive: true));

        foreach (var report in TwoRules)
        {
            printer.Report(report);
        }

        printer.Finish();

        // What stays on the screen: the last state of each line (a carriage return starts the line again).
        var screen = error.ToString().Replace("\u001b[K", "", StringComparison.Ordinal)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\r')[^1]).ToArray();
        screen.Should().Equal(
            "Provisioning [1/3] members: 3 contacts (Created 2, Already linked 1); 3 in the run",
            "Provisioning [2/3] members (deprovision): 1 contact (Blocked 1); 4 in the run",
            "Provisioning [3/3] volunteers: 2 contacts (Created 1, Gave up 1); 6 in the run");
    }

    [Fact]
    public void One_rule_reads_as_before_without_pass_numbers_and_quiet_prints_nothing()
    {
        using var error = new StringWriter();
        var printer = new ProgressPrinter("Password resets", pageSize: 10, quiet: false, new ErrorConsole(error, interactive: false));
        using var none = new StringWriter();
        var quiet = new ProgressPrinter("Password resets", pageSize: 1, quiet: true, new ErrorConsole(none, interactive: false));

        foreach (var printerUnderTest in new[] { printer, quiet })
        {
            printerUnderTest.Report(Report("migration", 1, 1, 1, 1, OutcomeKind.Linked));
            printerUnderTest.Report(new ProvisioningProgress("migration", 2, new ProvisioningOutcome
            {
                ContactId = 2,
                Kind = OutcomeKind.Skipped,
                Error = new ProvisioningError(FailureKind.Permanent, CmsUserErrorCodes.NoLinkedAccount, "No account."),
            }));
            printerUnderTest.Finish();
        }

        error.ToString().Should().Be("Password resets migration: 2 contacts (Sent 1, No account 1)" + Environment.NewLine);
        none.ToString().Should().BeEmpty();
        quiet.Passes.Should().ContainSingle().Which.Total.Should().Be(2, "--json still needs the counts");
    }

    [Fact(Timeout = 120_000)]
    public async Task With_two_rules_the_summary_and_json_count_each_rule_apart()
    {
        using var sites = new Sites();
        sites.AddMember("Ana", "Lima", "ana@example.org");
        sites.AddMember("Bea", "Costa", "bea@example.org");
        var volunteers = sites.Civi.AddGroup("volunteers");
        var cai = sites.Civi.AddContact("Cai", "Dias", "cai@example.org");
        sites.Civi.AddToGroup(volunteers, [cai]);
        var settings = sites.Settings();
        Sites.AddRule(settings, "volunteers", "volunteers");
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(settings));

        var run = await Cli.RunAsync(folder.Path, null, "run");
        sites.AddMember("Dan", "Eze", "dan@example.org");
        sites.Civi.AddToGroup(volunteers, [cai, sites.Civi.AddContact("Eva", "Fox", "eva@example.org")]);
        var again = await Cli.RunAsync(folder.Path, null, "run", "--json");

        run.ExitCode.Should().Be(0, run.ToString());
        run.Stderr.Should().Contain("Provisioning [1/2] members: 2 contacts (Created 2); 2 in the run")
            .And.Contain("Provisioning [2/2] volunteers: 1 contact (Created 1); 3 in the run");
        run.Stdout.Should().Contain("3 contacts (Created 3). By rule:").And.Contain("  members: 2 contacts (Created 2)").And.Contain("  volunteers: 1 contact (Created 1)");

        again.ExitCode.Should().Be(0, again.ToString());
        var rules = again.Json.GetProperty("rules").EnumerateArray().ToArray();
        rules.Select(r => (r.GetProperty("rule").GetString(), r.GetProperty("pass").GetInt32(), r.GetProperty("total").GetInt32()))
            .Should().Equal(("members", 1, 1), ("volunteers", 2, 2));
        rules[0].GetProperty("counts").GetProperty("created").GetInt32().Should().Be(1);
        rules[1].GetProperty("counts").GetProperty("created").GetInt32().Should().Be(1);
        rules[1].GetProperty("counts").GetProperty("alreadyLinked").GetInt32().Should().Be(1, "Cai was linked by the first run");
        again.Json.GetProperty("total").GetInt32().Should().Be(3);
    }
}
