using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Skvare.CmsUser.Tests.Properties;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>What a new user meets first: shared emails, servers that go away, unclear messages (found by trying the tool).</summary>
public sealed class NewUserTests
{
    [Fact(Timeout = 120_000)]
    public async Task Two_contacts_with_one_email_get_one_account_and_the_second_fails_naming_the_holder()
    {
        using var sites = new Sites();
        var first = sites.AddMember("Pat", "One", "pat@example.org");
        var second = sites.AddMember("Pat", "Two", "pat@example.org");
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        var run = await Cli.RunAsync(folder.Path, null, "run", "--json");

        run.ExitCode.Should().Be(1, run.ToString());
        sites.WordPress.Users.Where(u => u.Email == "pat@example.org").Should().ContainSingle(run.ToString());
        var contacts = run.Json.GetProperty("contacts").EnumerateArray().ToDictionary(c => c.GetProperty("contactId").GetInt64());
        var outcomes = new[] { first, second }.Select(id => contacts[id].GetProperty("outcome").GetString()).ToList();
        outcomes.Should().ContainSingle(o => o == "created", run.ToString());
        var loser = new[] { first, second }.Single(id => contacts[id].GetProperty("outcome").GetString() != "created");
        var winner = loser == first ? second : first;
        var error = contacts[loser].GetProperty("error");
        error.GetProperty("kind").GetString().Should().Be("Permanent", run.ToString());
        error.GetProperty("message").GetString().Should().Contain(winner.ToString(System.Globalization.CultureInfo.InvariantCulture), "the error names the contact that holds the account");
        sites.Civi.Links.Should().ContainSingle(l => l.ContactId == winner);
        sites.Civi.Links.Should().NotContain(l => l.ContactId == loser);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_run_that_only_met_an_unreachable_CMS_exits_2_and_says_no_attempt_was_counted()
    {
        using var sites = new Sites();
        var ana = sites.AddMember("Ana", "Lima", "ana@example.org");
        sites.WordPress.FailNext(100, 503);
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        var human = await Cli.RunAsync(folder.Path, null, "run");
        var json = await Cli.RunAsync(folder.Path, null, "run", "--json");
        var failures = await Cli.RunAsync(folder.Path, null, "failures", "--json");

        human.ExitCode.Should().Be(2, "the contact was not done because the CMS was down: run again later, nothing for a person to read\n" + human);
        human.Stdout.Should().Contain("not counted: no attempts used").And.NotContain("(attempt 0)").And.Contain("Run again later");
        json.ExitCode.Should().Be(2, json.ToString());
        json.Json.GetProperty("status").GetString().Should().Be("stopped");
        var contact = json.Json.GetProperty("contacts").EnumerateArray().Should().ContainSingle().Subject;
        contact.GetProperty("contactId").GetInt64().Should().Be(ana);
        contact.GetProperty("attemptCounted").GetBoolean().Should().BeFalse();
        contact.GetProperty("error").GetProperty("kind").GetString().Should().Be("Transient");
        failures.Json.GetProperty("contacts").GetArrayLength().Should().Be(0, "no attempt was recorded");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_counted_failure_says_which_attempt_of_how_many()
    {
        using var sites = new Sites();
        sites.AddMember("Ana", "Lima", "ana@example.org");
        var bad = sites.AddMember("Bea", "Lima", "bea(at)example.org");
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        var json = await Cli.RunAsync(folder.Path, null, "run", "--json");

        json.ExitCode.Should().Be(1, json.ToString());
        var failed = json.Json.GetProperty("contacts").EnumerateArray().Should().ContainSingle(c => c.GetProperty("contactId").GetInt64() == bad).Subject;
        failed.GetProperty("outcome").GetString().Should().Be("gaveUp");
        failed.GetProperty("attemptCounted").GetBoolean().Should().BeTrue(json.ToString());
        failed.GetProperty("attempt").GetInt32().Should().Be(1);
        Output.AttemptNote(new ProvisioningOutcome { ContactId = bad, Kind = OutcomeKind.GaveUp, Attempt = 1, Error = new ProvisioningError(FailureKind.Permanent, "invalid_email", "x") }, new RetryPolicy())
            .Should().Be(" (attempt 1 of 4; gave up at once: trying again cannot help)", "'gave up' beside '1 of 4' reads as a bug without the reason");
        Output.AttemptNote(new ProvisioningOutcome { ContactId = bad, Kind = OutcomeKind.GaveUp, Attempt = 4, Error = new ProvisioningError(FailureKind.Permanent, "duplicate_username", "x") }, new RetryPolicy())
            .Should().Be(" (attempt 4 of 4)");
        Output.AttemptNote(new ProvisioningOutcome { ContactId = bad, Kind = OutcomeKind.Failed, Attempt = 1, Error = new ProvisioningError(FailureKind.Permanent, "duplicate_username", "x") }, new RetryPolicy())
            .Should().Be(" (attempt 1 of 4)");
        Output.AttemptNote(new ProvisioningOutcome { ContactId = bad, Kind = OutcomeKind.Failed, Attempt = 2, Error = new ProvisioningError(FailureKind.Transient, "cms_unavailable", "x") }, new RetryPolicy())
            .Should().Be(" (not counted: 2 of 4 attempts used; tried again next run)");
        Output.AttemptNote(new ProvisioningOutcome { ContactId = bad, Kind = OutcomeKind.Failed, Attempt = 3, Error = new ProvisioningError(FailureKind.Transient, "cms_unavailable", "x") }, new RetryPolicy { CountTransientFailures = true })
            .Should().Be(" (attempt 3 of 4)");
    }

    [Fact(Timeout = 120_000)]
    public async Task Retry_lines_name_the_CiviCRM_route_when_the_site_uses_WordPress_style_URLs()
    {
        using var sites = new Sites();
        sites.AddMember("Ana", "Lima", "ana@example.org");
        sites.Civi.FailNext(503, 1);
        var settings = sites.Settings();
        settings["CmsUser"]!["CiviCrm"]!["UrlStyle"] = "WordPress";
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(settings));

        var run = await Cli.RunAsync(folder.Path, null, "run");

        run.ExitCode.Should().Be(0, run.ToString());
        var retry = run.Stderr.Split('\n').Should().ContainSingle(l => l.Contains("retry 1 in", StringComparison.Ordinal)).Subject;
        retry.Should().Contain("/?q=civicrm/ajax/", "without the route every CiviCRM call reads as the site's home page");
        retry.Should().NotContain("civiwp", "only the route is shown");
    }

    [Fact]
    public void A_retry_line_shows_the_route_and_no_other_query_parameter_whatever_they_hold()
    {
        Gen.Select(HostileText.Text, HostileText.Text, Gen.Bool).Sample((route, secret, joomla) =>
        {
            var name = joomla ? "task" : "q";
            var uri = new Uri($"https://crm.example.org/?key={Uri.EscapeDataString("S3CRET" + secret)}&{name}={Uri.EscapeDataString(route)}&api_key=S3CRET");

            var target = RetryLog.Target(uri);

            target.Should().StartWith("crm.example.org/").And.NotContain("S3CRET");
            if (route.Length > 0)
            {
                target.Should().Be($"crm.example.org/?{name}={Uri.UnescapeDataString(Uri.EscapeDataString(route))}");
            }
        });
    }

    [Fact]
    public void A_settings_file_that_is_not_valid_JSON_is_reported_by_line_and_never_echoes_its_content()
    {
        using var folder = new TempFolder();
        Gen.Select(HostileText.Text, Gen.Int[0, 5]).Sample((secret, blankLines) =>
        {
            // Samples run in parallel: one file each.
            var file = Path.Combine(folder.Path, Guid.NewGuid().ToString("N") + ".json");
            var value = secret.Replace("\"", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal);
            // A lone surrogate becomes U+FFFD on disk, as an editor would save it.
            File.WriteAllText(file, new string('\n', blankLines) + "{ \"CmsUser\": { \"CiviCrm\": { \"ApiKey\": \"S3CRET" + value + "\" \"BaseUrl\": 1 } } }", new System.Text.UTF8Encoding(false, throwOnInvalidBytes: false));

            var act = () => Settings.Load(file, folder.Path);

            var message = act.Should().Throw<CliException>().Which.Message;
            message.Should().Contain($"(line {blankLines + 1})").And.Contain(file).And.NotContain("S3CRET");
        }, iter: 200);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_folder_as_settings_and_init_into_a_missing_folder_are_usage_errors_that_say_what_is_wrong()
    {
        using var folder = new TempFolder();

        var asFolder = await Cli.RunAsync(folder.Path, null, "run", "--settings", folder.Path);
        var missing = await Cli.RunAsync(folder.Path, null, "init", "wordpress", "--settings", Path.Combine(folder.Path, "no", "such", "cmsuser.json"));

        asFolder.ExitCode.Should().Be(3, asFolder.ToString());
        asFolder.Stderr.Should().Contain("is a folder").And.Contain(Path.Combine(folder.Path, "appsettings.json"));
        missing.ExitCode.Should().Be(3, missing.ToString());
        missing.Stderr.Should().Contain("does not exist").And.NotContain("Unexpected error");
    }
    [Fact(Timeout = 120_000)]
    public async Task Escape_sequences_and_bidi_overrides_in_contact_data_reach_the_terminal_as_visible_escapes()
    {
        using var sites = new Sites();
        sites.AddMember("Eve", "Escape", "eve\u001b]0;pwned\u0007\u001b[2J@example.org");
        sites.AddMember("Rli", "Override", "\u202Egro.elpmaxe@ilr");
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        var run = await Cli.RunAsync(folder.Path, null, "run");

        run.ExitCode.Should().Be(1, run.ToString());
        run.All.Should().NotContainAny(["\u001b", "\u0007", "\u202E"]);
        run.Stdout.Should().Contain("eve\\u001B]0;pwned\\u0007\\u001B[2J@example.org").And.Contain("\\u202Egro.elpmaxe@ilr");
    }

    [Fact]
    public void Every_outcome_reads_as_words_in_the_table_as_the_plans_actions_do_and_keeps_its_json_key()
    {
        // The deprovisioning pass printed "RolesRemoved" beside "Already linked" (trial on the real WordPress).
        foreach (var kind in Enum.GetValues<OutcomeKind>())
        {
            var word = Output.Describe(kind, Verbs.Provision);

            word.Should().NotMatchRegex("[a-z][A-Z]", $"{kind} is shown to people");
            word.Replace(" ", "", StringComparison.Ordinal).Should().BeEquivalentTo(kind.ToString(), "the JSON key (lower camel case of the words) stays the outcome's name");
        }

        Output.Describe(OutcomeKind.RolesRemoved, Verbs.Provision).Should().Be("Roles removed");
    }

    [Fact]
    public void Terminal_text_keeps_no_control_or_bidi_override_but_line_breaks_and_changes_nothing_else()
    {
        static bool Unsafe(char c) => (char.IsControl(c) && c is not '\n' and not '\r') || c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

        HostileText.TextOrHuge.Sample(text =>
        {
            var safe = Output.Safe(text);

            safe.Where(Unsafe).Should().BeEmpty();
            safe.Replace("\r\n", "\n", StringComparison.Ordinal).Should().NotContain("\r");
            Output.Safe(safe).Should().Be(safe, "what is safe stays as it is");
            if (!text.Any(Unsafe))
            {
                safe.Replace("\\u000D", "\r", StringComparison.Ordinal).Should().Be(text, "text without anything unsafe is unchanged, but for a lone carriage return");
            }
        });
    }
    [Fact(Timeout = 120_000)]
    public async Task A_base_URL_without_its_scheme_is_refused_with_the_URL_to_write_instead()
    {
        using var sites = new Sites();
        var settings = sites.Settings();
        settings["CmsUser"]!["CiviCrm"]!["BaseUrl"] = "localhost:8082";
        settings["CmsUser"]!["WordPress"]!["BaseUrl"] = "www.example.org";
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(settings));

        var run = await Cli.RunAsync(folder.Path, null, "check");

        run.ExitCode.Should().Be(3, run.ToString());
        run.Stderr.Should().Contain("CmsUser:CiviCrm:BaseUrl 'localhost:8082' must be an absolute http(s) URL. Add the scheme, e.g. 'https://localhost:8082/'.")
            .And.Contain("CmsUser:WordPress:BaseUrl 'www.example.org' must be an absolute http(s) URL. Add the scheme, e.g. 'https://www.example.org/'.");
    }
}



/// <summary>The console sample as a new user runs it: without settings (the demo), and with the example file copied as is.</summary>
public sealed class ConsoleSampleTests
{
    [Fact(Timeout = 120_000)]
    public async Task Without_settings_the_console_sample_runs_its_demo_over_the_fake_servers()
    {
        using var folder = new TempFolder();

        var run = await Cli.RunConsoleSampleAsync(folder.Path, null);

        run.ExitCode.Should().Be(0, run.ToString());
        run.Stdout.Should().Contain("Demo mode").And.Contain("Created 2").And.Contain("ana.lima").And.Contain("joao.muller");
    }

    [Fact(Timeout = 120_000)]
    public async Task The_example_settings_copied_as_they_are_give_one_message_naming_the_missing_secrets_and_exit_3()
    {
        using var folder = new TempFolder();
        var example = FindUp("samples/Skvare.CmsUser.Samples.Console/appsettings.example.json");
        File.Copy(example, Path.Combine(folder.Path, "appsettings.json"));

        var run = await Cli.RunConsoleSampleAsync(folder.Path, null);

        run.ExitCode.Should().Be(3, run.ToString());
        run.Stderr.Should().Contain("CmsUser:CiviCrm:ApiKey is missing").And.Contain("CmsUser:WordPress:ApplicationPassword is missing");
        run.Stdout.Should().NotContain("Running against", "nothing connects with settings that cannot work");
    }

    private static string FindUp(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(relative);
    }
}

/// <summary>The web sample with settings that cannot work: one message naming each setting, exit code 3, no stack trace, as the console sample.</summary>
public sealed class WebSampleTests
{
    private const string Secret = "wp-app-password-never-printed";

    private static Dictionary<string, string> Real(params (string Key, string Value)[] more)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["CmsUser__CiviCrm__BaseUrl"] = "http://127.0.0.1:9/civicrm",
            ["CmsUser__WordPress__BaseUrl"] = "http://127.0.0.1:9/",
            ["CmsUser__WordPress__Username"] = "admin",
            ["CmsUser__WordPress__ApplicationPassword"] = Secret,
        };
        foreach (var (key, value) in more)
        {
            environment[key] = value;
        }

        return environment;
    }

    private static void ShouldFailCleanly(CliResult run)
    {
        run.ExitCode.Should().Be(3, run.ToString());
        run.All.Should().NotContain("Unhandled exception").And.NotContain("   at ").And.NotContain("Exception:").And.NotContain(Secret);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_missing_api_key_gives_one_message_naming_the_setting_and_exit_3()
    {
        using var folder = new TempFolder();

        var run = await Cli.RunWebSampleAsync(folder.Path, Real());

        ShouldFailCleanly(run);
        run.Stderr.Should().MatchRegex("have (a problem|[0-9]+ problems):").And.Contain("CmsUser:CiviCrm:ApiKey is missing");
    }

    [Fact(Timeout = 120_000)]
    public async Task An_unknown_cms_gives_one_message_naming_the_setting_and_exit_3()
    {
        using var folder = new TempFolder();

        var run = await Cli.RunWebSampleAsync(folder.Path, Real(("CmsUser__Cms", "Wordpres"), ("CmsUser__CiviCrm__ApiKey", "k")));

        ShouldFailCleanly(run);
        run.Stderr.Should().Contain("CmsUser:Cms is 'Wordpres', which is not one of WordPress, Drupal, Drupal7, Backdrop, Joomla, Standalone; did you mean WordPress?");
    }

    [Theory(Timeout = 120_000)]
    [InlineData(" wordpress ")]
    [InlineData("WORDPRESS")]
    [InlineData("\tWordPress")]
    public async Task The_cms_name_is_read_as_the_cmsuser_tool_reads_it_whatever_its_case_and_surrounding_spaces(string cms)
    {
        using var folder = new TempFolder();

        // The CMS is taken, so the start goes on to check the settings: the missing API key is the one problem.
        var run = await Cli.RunWebSampleAsync(folder.Path, Real(("CmsUser__Cms", cms)));

        ShouldFailCleanly(run);
        run.Stderr.Should().Contain("CmsUser:CiviCrm:ApiKey is missing").And.NotContain("CmsUser:Cms");
    }

    /// <summary>A folder holding the sample's demo settings, so it starts in demo mode (nothing outside the process).</summary>
    private static TempFolder Demo()
    {
        var folder = new TempFolder();
        File.Copy(Cli.WebSampleFile("appsettings.json"), Path.Combine(folder.Path, "appsettings.json"));
        return folder;
    }

    [Fact(Timeout = 120_000)]
    public async Task A_port_already_in_use_gives_one_message_naming_the_address_and_exit_5()
    {
        using var folder = Demo();
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)holder.LocalEndpoint).Port}";

        var run = await Cli.RunWebSampleAsync(folder.Path, new Dictionary<string, string> { ["ASPNETCORE_URLS"] = address });

        run.ExitCode.Should().Be(5, run.ToString());
        run.Stderr.Trim().Should().Be($"The web sample cannot listen on {address}: another process listens there. Stop it, or choose another address (ASPNETCORE_URLS or --urls).");
        run.All.Should().NotContain("Exception").And.NotContain("Hosting failed to start").And.NotContain("   at ");
    }

    [Fact(Timeout = 120_000)]
    public async Task With_verbose_a_failed_start_adds_the_exception_to_the_message()
    {
        using var folder = Demo();
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();

        var run = await Cli.RunWebSampleAsync(folder.Path, new Dictionary<string, string> { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{((IPEndPoint)holder.LocalEndpoint).Port}" }, "--verbose");

        run.ExitCode.Should().Be(5, run.ToString());
        run.Stderr.Should().StartWith("The web sample cannot listen on").And.Contain("AddressInUseException").And.Contain("   at ");
    }

    [Fact(Timeout = 120_000)]
    public async Task An_unreadable_https_certificate_gives_one_message_without_its_password_and_exit_3()
    {
        using var folder = Demo();
        folder.Write("site.pfx", "not a certificate");

        var run = await Cli.RunWebSampleAsync(folder.Path, new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = "https://127.0.0.1:0",
            ["Kestrel__Certificates__Default__Path"] = "site.pfx",
            ["Kestrel__Certificates__Default__Password"] = Secret,
        });

        ShouldFailCleanly(run);
        run.Stderr.Should().StartWith("The HTTPS certificate cannot be used: ").And.Contain("Kestrel:Certificates:Default");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_content_root_that_does_not_exist_is_a_settings_problem_with_exit_3_not_a_defect()
    {
        using var folder = Demo();
        var missing = Path.Combine(folder.Path, "no-such-folder");

        // Seen in a trial: a relative --contentRoot is taken from the program's folder, not the shell's.
        var run = await Cli.RunWebSampleAsync(folder.Path, null, "--contentRoot", missing);

        ShouldFailCleanly(run);
        run.Stderr.Should().StartWith("A folder the web sample needs does not exist: ").And.Contain(missing).And.Contain("--contentRoot").And.NotContain("defect");
    }

    [Fact(Timeout = 120_000)]
    public async Task While_CiviCRM_is_down_each_failed_call_is_one_warning_line_without_a_stack_trace()
    {
        using var folder = new TempFolder();
        int port;
        using (var free = new TcpListener(IPAddress.Loopback, 0))
        {
            free.Start();
            port = ((IPEndPoint)free.LocalEndpoint).Port;
        }

        var environment = Real(
            ("ASPNETCORE_URLS", $"http://127.0.0.1:{port}"),
            ("CmsUser__CiviCrm__ApiKey", "a-civicrm-api-key"),
            ("CmsUser__Webhook__Secret", "0123456789abcdef0123456789abcdef"),
            ("CmsUser__WordPress__ApplicationPassword", "abcd efgh ijkl mnop qrst uvwx"),
            ("CmsUser__CiviCrm__Http__MaxRetries", "1"),
            ("CmsUser__CiviCrm__Http__RetryBaseDelay", "00:00:00.010"),
            ("CmsUser__Rules__0__Trigger__Kind", "Group"),
            ("CmsUser__Rules__0__Trigger__Reference", "members"));
        var health = HttpStatusCode.OK;
        var healthBody = "";

        // /health asks CiviCRM (connection refused, one retry) once the sample listens; then it is stopped as a service is.
        var run = await Cli.RunWebSampleWhileAsync(folder.Path, environment, async process =>
        {
            using var http = new HttpClient();
            for (var answered = false; !answered;)
            {
                try
                {
                    using var answer = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health"));
                    health = answer.StatusCode;
                    healthBody = await answer.Content.ReadAsStringAsync();
                    answered = true;
                }
                catch (HttpRequestException) when (!process.HasExited)
                {
                    await Task.Delay(100); // not listening yet: the bounded 90 s of RunDllAsync ends this
                }
            }

            using var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
            await term.WaitForExitAsync();
        });

        run.ExitCode.Should().Be(0, run.ToString());
        health.Should().Be(HttpStatusCode.ServiceUnavailable, run.ToString());
        using (var report = JsonDocument.Parse(healthBody))
        {
            // Which server is down is in the answer; why (addresses, server messages) only in the log.
            report.RootElement.GetProperty("status").GetString().Should().Be("Unhealthy", healthBody);
            report.RootElement.GetProperty("checks").GetProperty("civicrm").GetString().Should().Be("Unhealthy", healthBody);
            healthBody.Should().NotContain("a-civicrm-api-key").And.NotContain("could not be reached");
        }

        run.Stdout.Should().Contain("CiviCRM could not be reached", "the failed calls are logged");
        run.Stdout.Should().NotContain("fail: Polly").And.NotContain("warn: Polly").And.NotContain("SocketException", "Polly's records are Debug");
        run.All.Should().NotContain("   at ");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_settings_file_that_is_not_json_gives_one_message_with_its_line_and_exit_3()
    {
        using var folder = new TempFolder();
        folder.Write("appsettings.json", "{\"CmsUser\": {\"Webhook\": {\"Secret\": \"" + Secret + "\" }");

        var run = await Cli.RunWebSampleAsync(folder.Path, new Dictionary<string, string> { ["ASPNETCORE_URLS"] = "http://127.0.0.1:0" });

        ShouldFailCleanly(run);
        run.Stderr.Should().StartWith("A settings file cannot be read: Failed to load configuration from file '").And.Contain("appsettings.json").And.Contain("LineNumber: 0");
    }
}
