using System.Text.Json.Nodes;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// Regression (session 18): with stdout a file or a pipe, <c>check</c>'s table and its rule line were as wide as the
/// longest detail (a whole error message). Piped, the rule line is as wide as the columns, and a long detail follows its
/// row on a line of its own, whole.
/// </summary>
public sealed class PipedCheckTableTests
{
    [Fact(Timeout = 120_000)]
    public async Task Piped_check_rules_are_as_wide_as_the_columns_and_a_long_detail_has_its_own_line()
    {
        using var sites = new Sites();
        using var folder = new TempFolder();
        var settings = sites.Settings();
        settings["CmsUser"]!["Rules"]![0]!["Roles"] = new JsonArray("robust19-no-such-role");
        folder.Write("appsettings.json", Sites.Json(settings));

        var check = await Cli.RunAsync(folder.Path, null, "check", "--timeout", Sites.CheckTimeout);

        check.ExitCode.Should().Be(3, check.ToString());
        var lines = check.Stdout.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var rules = lines.Where(l => l.Trim().Length > 0 && l.Trim().All(c => c is '─' or '-' or ' ')).ToList();
        rules.Should().HaveCountGreaterThanOrEqualTo(2, "one rule line per target");
        var detail = lines.Should().ContainSingle(l => l.Contains("'robust19-no-such-role' is not a role of the site", StringComparison.Ordinal), check.ToString()).Subject;
        detail.Should().StartWith("    ", "a long detail is on its own line, under its row").And.Contain("subscriber");
        var row = lines[lines.IndexOf(detail) - 1];
        row.Should().Contain("Rule 'members'").And.EndWith("FAILED: configuration");
        foreach (var rule in rules)
        {
            rule.Length.Should().BeLessThan(detail.Length, "the rule line spans the columns, not the longest detail");
            rule.Length.Should().BeLessThanOrEqualTo(2 + 40 + 2 + 21 + 2 + Output.PipedDetailColumns);
        }
    }

    [Fact]
    public void A_target_is_a_title_a_header_a_rule_as_wide_as_the_columns_and_rows_with_long_details_below()
    {
        var longDetail = "CiviCRM denied Contact.get (403: Permission denied). The API user's role lacks a permission: it needs \"view all contacts\".";
        var report = new ConnectivityReport("CiviCRM (http://localhost:8082/)", false,
        [
            new("Connection", true, "reached in 12 ms"),
            new("Permissions", false, longDetail) { Failure = FailureKind.Configuration },
            new("Time zone", true, "Europe/Paris\nfrom the site's settings"),
            new("Version", true, ""),
        ]);

        Output.CheckLines(report).Should().Equal(
            "CiviCRM (http://localhost:8082/)",
            "  Check        Result                 Detail",
            "  ───────────  ─────────────────────  ────────────────",
            "  Connection   ok                     reached in 12 ms",
            "  Permissions  FAILED: configuration",
            "    " + longDetail,
            "  Time zone    ok",
            "    Europe/Paris",
            "    from the site's settings",
            "  Version      ok",
            "");
    }

    [Fact]
    public void A_detail_of_exactly_the_column_limit_stays_in_its_column_and_one_more_character_moves_it()
    {
        var fits = new string('a', Output.PipedDetailColumns);
        Output.CheckLines(new ConnectivityReport("T", true, [new("C", true, fits)]))
            .Should().Contain("  Check  Result  Detail").And.Contain("  C      ok      " + fits);
        Output.CheckLines(new ConnectivityReport("T", true, [new("C", true, fits + "b")]))
            .Should().Contain("  ─────  ──────  ──────").And.Contain("    " + fits + "b");
    }
}
