using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Tests.Properties;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>Help, version, usage errors and settings problems: no server is needed.</summary>
public sealed class UsageTests
{
    [Fact(Timeout = 120_000)]
    public async Task Help_lists_every_command_and_option_and_exits_0()
    {
        using var folder = new TempFolder();
        var root = await Cli.RunAsync(folder.Path, null, "--help");
        var help = await Cli.RunAsync(folder.Path, null, "help", "plan");
        var sub = await Cli.RunAsync(folder.Path, null, "failures", "-h");

        root.ExitCode.Should().Be(0, root.ToString());
        foreach (var word in new[] { "run", "plan", "reset", "failures", "check", "demo", "init", "--settings", "--rule", "--json", "--verbose", "--version", "Exit codes" })
        {
            root.Stdout.Should().Contain(word);
        }

        // As docs/cli.md says: the one line per retry shows without --verbose; --verbose adds the Debug records.
        root.Stdout.Should().Contain("one line per HTTP retry").And.NotContain("including HTTP retry details");
        help.ExitCode.Should().Be(0);
        help.Stdout.Should().Contain("cmsuser plan").And.Contain("writes nothing");
        sub.ExitCode.Should().Be(0);
        sub.Stdout.Should().Contain("cmsuser failures").And.Contain("--settings");
    }

    [Fact(Timeout = 120_000)]
    public async Task Version_answers_from_any_command()
    {
        using var folder = new TempFolder();
        var root = await Cli.RunAsync(folder.Path, null, "--version");
        var sub = await Cli.RunAsync(folder.Path, null, "run", "--version");

        root.ExitCode.Should().Be(0);
        root.Stdout.Should().MatchRegex(@"^cmsuser \d+\.\d+\.\d+");
        sub.Stdout.Should().Be(root.Stdout);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_mistyped_command_names_the_command_it_is_near()
    {
        // Found in trial17: 'cmsuser fail' said only "Unrecognized command or argument 'fail'".
        using var folder = new TempFolder();
        var prefix = await Cli.RunAsync(folder.Path, null, "fail");
        var typo = await Cli.RunAsync(folder.Path, null, "plna");
        var far = await Cli.RunAsync(folder.Path, null, "bogus");

        prefix.ExitCode.Should().Be(3);
        prefix.Stderr.Should().Contain("'fail'. Did you mean 'cmsuser failures'?").And.Contain("Run 'cmsuser --help' for the commands and options.");
        typo.Stderr.Should().Contain("Did you mean 'cmsuser plan'?");
        far.Stderr.Should().NotContain("Did you mean");
    }

    [Fact(Timeout = 120_000)]
    public async Task Unknown_command_or_option_is_a_usage_error_with_one_message()
    {
        using var folder = new TempFolder();
        var command = await Cli.RunAsync(folder.Path, null, "bogus");
        var option = await Cli.RunAsync(folder.Path, null, "run", "--check");
        var argument = await Cli.RunAsync(folder.Path, null, "init");

        command.ExitCode.Should().Be(3);
        command.Stderr.Should().Contain("'bogus'").And.Contain("Run 'cmsuser --help' for the commands and options.");
        command.Stdout.Should().BeEmpty("a usage error runs nothing (the old sample ran the demo)");
        option.ExitCode.Should().Be(3);
        option.Stderr.Should().Contain("--check").And.Contain("Run 'cmsuser run --help' for its arguments and options.", "the command's own help has its options");
        argument.ExitCode.Should().Be(3);
        argument.Stderr.Should().Contain("'cms'").And.Contain("Run 'cmsuser init --help' for its arguments and options.");
    }

    [Fact(Timeout = 120_000)]
    public async Task Without_settings_a_command_says_where_it_looked_and_what_to_do()
    {
        using var folder = new TempFolder();
        var result = await Cli.RunAsync(folder.Path, null, "run");
        var missing = await Cli.RunAsync(folder.Path, null, "plan", "--settings", "nope.json");
        var verbose = await Cli.RunAsync(folder.Path, null, "failures", "--verbose");

        result.ExitCode.Should().Be(3);
        result.Stderr.Should().Contain("appsettings.json").And.Contain(folder.Path).And.Contain("cmsuser init").And.Contain("cmsuser demo");
        result.Stderr.Trim().Split('\n').Should().HaveCount(1, "one clear message");
        missing.ExitCode.Should().Be(3);
        missing.Stderr.Should().Contain("nope.json").And.Contain("does not exist");
        verbose.ExitCode.Should().Be(3);
        verbose.Stderr.Should().Contain("cmsuser: No settings").And.Contain("   at Skvare.CmsUser.Cli.", "--verbose adds the stack trace");
    }

    [Fact(Timeout = 240_000)]
    public async Task Every_command_given_a_settings_file_that_does_not_exist_fails_with_one_message_and_exit_3()
    {
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "missing.json");

        foreach (var command in new[] { "run", "plan", "reset", "failures", "check" })
        {
            var result = await Cli.RunAsync(folder.Path, null, command, "-s", "missing.json");

            result.ExitCode.Should().Be(3, $"{command}: {result}");
            result.Stderr.Trim().Should().Be($"cmsuser: Settings file {file} does not exist.", command);
            result.Stdout.Should().BeEmpty($"{command} runs nothing (the demo did run, ignoring the file)");
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Demo_given_a_settings_file_that_exists_refuses_it_with_exit_3_instead_of_ignoring_it()
    {
        // Found in trial13: 'demo -s existing.json' ran the built-in demo as if the file were not there.
        using var sites = new Sites();
        using var folder = new TempFolder();
        var file = folder.Write("mine.json", Sites.Json(sites.Settings()));

        var human = await Cli.RunAsync(folder.Path, null, "demo", "-s", "mine.json");
        var json = await Cli.RunAsync(folder.Path, null, "demo", "--settings", "mine.json", "--json");
        var help = await Cli.RunAsync(folder.Path, null, "demo", "--help");

        human.ExitCode.Should().Be(ExitCodes.Configuration, human.ToString());
        human.Stderr.Trim().Should().Be($"cmsuser: {CliApp.DemoReadsNoSettings(file)}");
        human.Stderr.Should().Contain("uses its own fake CiviCRM and WordPress servers").And.Contain("reads no settings, so it does not use")
            .And.Contain($"cmsuser check --settings {file}").And.Contain($"cmsuser run --settings {file}");
        human.Stdout.Should().BeEmpty("the demo did not run");
        json.ExitCode.Should().Be(ExitCodes.Configuration, json.ToString());
        json.Json.GetProperty("status").GetString().Should().Be("configuration");
        json.Json.GetProperty("error").GetString().Should().Contain("reads no settings");
        help.Stdout.Should().Contain("--settings is refused");
        sites.Civi.Requests.Should().BeEmpty("the file's sites are not touched");
        sites.WordPress.Requests.Should().BeEmpty();
    }

    [Fact(Timeout = 120_000)]
    public async Task Demo_refuses_settings_in_its_own_words_with_exit_3_whether_the_file_exists_or_is_not_given()
    {
        // Not "Settings file … does not exist" nor the parser's "Required argument missing": the demo reads no settings at all.
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "missing.json");

        var missing = await Cli.RunAsync(folder.Path, null, "demo", "--settings", "missing.json");
        var before = await Cli.RunAsync(folder.Path, null, "--settings", "missing.json", "demo");
        var bare = await Cli.RunAsync(folder.Path, null, "demo", "--settings");
        var bareJson = await Cli.RunAsync(folder.Path, null, "demo", "--json", "-s");

        missing.ExitCode.Should().Be(ExitCodes.Configuration, missing.ToString());
        missing.Stderr.Trim().Should().Be($"cmsuser: {CliApp.DemoReadsNoSettings(file)}");
        missing.Stderr.Should().NotContain("does not exist");
        missing.Stdout.Should().BeEmpty("the demo did not run");
        before.ExitCode.Should().Be(ExitCodes.Configuration, before.ToString());
        before.Stderr.Should().Be(missing.Stderr, "the option before the command is the same option");
        bare.ExitCode.Should().Be(ExitCodes.Configuration, bare.ToString());
        bare.Stderr.Trim().Should().Be($"cmsuser: {CliApp.DemoReadsNoSettings(null)}");
        bare.Stderr.Should().Contain("uses its own fake CiviCRM and WordPress servers").And.Contain("'cmsuser check --settings FILE' then 'cmsuser run --settings FILE'")
            .And.NotContain("Required argument").And.NotContain("--help");
        bareJson.ExitCode.Should().Be(ExitCodes.Configuration, bareJson.ToString());
        bareJson.Json.GetProperty("command").GetString().Should().Be("demo");
        bareJson.Json.GetProperty("status").GetString().Should().Be("configuration");
    }

    [Fact(Timeout = 120_000)]
    public async Task Init_with_a_misspelled_cms_suggests_the_nearest_name()
    {
        using var folder = new TempFolder();
        var near = await Cli.RunAsync(folder.Path, null, "init", "Wordpres");
        var far = await Cli.RunAsync(folder.Path, null, "init", "typo3");

        near.ExitCode.Should().Be(3, near.ToString());
        near.Stderr.Trim().Should().Be("cmsuser: The CMS 'Wordpres' is not one of WordPress, Drupal, Drupal7, Backdrop, Joomla, Standalone; did you mean WordPress?");
        far.ExitCode.Should().Be(3);
        far.Stderr.Trim().Should().Be("cmsuser: The CMS 'typo3' is not one of WordPress, Drupal, Drupal7, Backdrop, Joomla, Standalone.");
        File.Exists(Path.Combine(folder.Path, "appsettings.json")).Should().BeFalse();
    }

    [Fact]
    public void A_cms_name_one_edit_away_suggests_that_name()
    {
        var names = Enum.GetNames<CmsKind>();
        var letters = Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_ "];
        Gen.Select(Gen.Int[0, names.Length - 1].Select(i => names[i]), Gen.Int[0, 2], Gen.Int[0, 100], letters).Sample((name, kind, at, letter) =>
        {
            var i = at % (name.Length + (kind == 0 ? 1 : 0));
            var typo = kind switch
            {
                0 => name.Insert(i, letter.ToString()),
                1 => name.Remove(i, 1),
                _ => name.Remove(i, 1).Insert(i, letter.ToString()),
            };
            if (Settings.TryParseCms(typo, out _))
            {
                return; // a case change, a trailing space, or Drupal <-> Drupal7: a valid name, nothing to suggest.
            }

            var message = Settings.NotACms(typo);
            const string marker = "; did you mean ";
            message.Should().StartWith("is not one of WordPress, Drupal, Drupal7, Backdrop, Joomla, Standalone; did you mean ", typo).And.EndWith("?");
            message[(message.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..^1].Split(" or ").Should().Contain(name, typo);
        });
    }

    [Fact]
    public void Any_text_as_a_cms_name_gets_a_message_and_never_throws()
    {
        HostileText.TextOrHuge.Sample(text =>
        {
            Settings.NotACms(text).Should().Contain("WordPress, Drupal, Drupal7, Backdrop, Joomla, Standalone");
        }, iter: 200);
    }

    [Fact(Timeout = 120_000)]
    public async Task Init_writes_a_commented_file_the_tool_reads_and_never_overwrites_without_force()
    {
        using var folder = new TempFolder();
        var init = await Cli.RunAsync(folder.Path, null, "init", "drupal");
        var again = await Cli.RunAsync(folder.Path, null, "init", "Drupal");
        var wrong = await Cli.RunAsync(folder.Path, null, "init", "wordpres");
        // The template's secrets are empty on purpose: the file is found in the working folder and each missing secret is named once.
        var check = await Cli.RunAsync(folder.Path, null, "check");

        init.ExitCode.Should().Be(0, init.ToString());
        var text = File.ReadAllText(Path.Combine(folder.Path, "appsettings.json"));
        text.Should().Contain("// ").And.Contain("\"Cms\": \"Drupal\"").And.Contain("\"Drupal\": {").And.Contain("CmsUser__Drupal__Password");
        again.ExitCode.Should().Be(3);
        again.Stderr.Should().Contain("--force");
        wrong.ExitCode.Should().Be(3);
        wrong.Stderr.Should().Contain("WordPress, Drupal, Drupal7, Backdrop, Joomla, Standalone");
        check.ExitCode.Should().Be(3, check.ToString());
        check.Stderr.Should().Contain(Path.Combine(folder.Path, "appsettings.json")).And.Contain("CmsUser:CiviCrm:ApiKey");
        check.Stderr.Split("CmsUser:CiviCrm:ApiKey").Should().HaveCount(2, "each problem is reported once");
        check.Stderr.Should().Contain("CmsUser:CiviCrm:BaseUrl is still https://www.example.org/, the example 'cmsuser init' wrote")
            .And.Contain("CmsUser:Drupal:BaseUrl is still https://www.example.org/", "the secrets would go to the example's host once set");
    }

    [Fact(Timeout = 120_000)]
    public async Task Every_settings_problem_is_reported_once_in_one_message_with_its_full_key()
    {
        using var folder = new TempFolder();
        folder.Write("appsettings.json", """
            {
              "CmsUser": {
                "Cms": "wordpress",
                "MaxConcurency": 3,
                "Rules": [ { "Name": "members", "Trigger": { "Kind": "Groop", "Reference": "website_members" } } ],
                "Retry": { "QuarantineAfterConsecutiveTransientFailures": 0 },
                "Schedule": { "Interval": "soon" },
                "CiviCrm": { "BaseUrl": "http://127.0.0.1:9/", "ApiKey": "k", "UrlStyle": "Wordpress", "Htp": {} },
                "WordPress": { "BaseUrl": "http://127.0.0.1:9/", "Username": "u", "ApplicationPassword": "p", "Http": { "MaxRetries": 99 } }
              }
            }
            """);
        var env = new Dictionary<string, string> { ["CmsUser__PageSize"] = "0" };

        var result = await Cli.RunAsync(folder.Path, env, "run");

        result.ExitCode.Should().Be(3, result.ToString());
        var expected = new[]
        {
            "CmsUser:MaxConcurency is not a setting of CmsUser; did you mean MaxConcurrency?",
            "CmsUser:Rules:0:Trigger:Kind is 'Groop', which is not one of Group, Tag, SavedSearch; did you mean Group?",
            "CmsUser:Retry:QuarantineAfterConsecutiveTransientFailures is 0; it must be between 1 and 1000.",
            "CmsUser:Schedule:Interval is 'soon'",
            "CmsUser:CiviCrm:Htp is not a setting",
            "CmsUser:WordPress:Http",
            "CmsUser:PageSize is 0; it must be between 1 and 5000.",
        };
        foreach (var text in expected)
        {
            result.Stderr.Split(text).Should().HaveCount(2, $"'{text}' is reported exactly once:\n{result.Stderr}");
        }

        result.Stderr.Should().NotContain("Rules is empty", "the rule was configured; its bad Kind is the problem");
        result.Stderr.Should().NotContain("UrlStyle", "enum names ignore case, as the binder does");
        result.Stderr.Should().NotContain("CmsUser:Cms ", "'wordpress' names the WordPress package");
        result.Stderr.Should().StartWith("cmsuser: The settings").And.Contain("problems:");
    }

    /// <summary>
    /// What <c>cmsuser init CMS</c> writes is valid for that CMS's package once the secrets the comments name are in the
    /// environment: no key the package does not know, no missing setting, the host starts (nothing connects at start).
    /// </summary>
    [Theory(Timeout = 60_000)]
    [InlineData("WordPress", "ApplicationPassword")]
    [InlineData("Drupal", "Password")]
    [InlineData("Drupal7", "Password")]
    [InlineData("Backdrop", "Secret")]
    [InlineData("Joomla", "ApiToken")]
    [InlineData("Standalone", null)]
    public async Task Init_writes_settings_the_CMS_package_accepts_once_the_secrets_are_set(string cms, string? secret)
    {
        using var folder = new TempFolder();
        Settings.TryParseCms(cms, out var kind).Should().BeTrue();
        var template = InitTemplate.For(kind);
        // The URLs and the secrets the template leaves to fill in, as a person fills them in (any value: nothing connects).
        var filled = template.Replace("\"ApiKey\": \"\"", "\"ApiKey\": \"an-api-key\"", StringComparison.Ordinal)
            .Replace(InitTemplate.ExampleUrl, "https://crm.example.net/", StringComparison.Ordinal);
        if (secret is not null)
        {
            template.Should().Contain($"\"{secret}\": \"\"").And.Contain($"CmsUser__{cms}__{secret}", "the comment names the variable to set");
            filled = filled.Replace($"\"{secret}\": \"\"", $"\"{secret}\": \"{new string('s', 40)}\"", StringComparison.Ordinal);
        }

        var file = folder.Write("appsettings.json", filled);
        var settings = Settings.Load(file, folder.Path);

        settings.CheckPackageSections().Should().BeEmpty();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(50));
        using var host = await CliHost.StartRealAsync(settings, new CliOptions(file, null, Json: false, Verbose: false), cts.Token);
        host.Services.GetRequiredService<ICmsAccountProvider>().Should().NotBeNull();
    }
}
