using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Skvare.CmsUser.Tests.Shared.Sites;

namespace Skvare.CmsUser.Benchmarks.Provisioning;

/// <summary>
/// The design floor of the latency table: a bare <see cref="HttpClient"/> driver (no SDK) against the same fakes as the
/// SDK (<see cref="FakeSite"/>: the fake CiviCRM and the fake WordPress, same injected latency, same concurrency) that
/// makes only the round trips the spec forces on any design, pipelined as well as a design can:
/// <list type="number">
/// <item>per page of 100, one CiviCRM read of the page (<c>Contact.get</c> on the trigger group, keyset on id);</item>
/// <item>with <c>audit</c>, one CiviCRM write of the page's Scheduled "User Account Creation" records
/// (<c>Activity.save</c>) before any create of the page (spec item 7: exactly one Completed record per account even
/// after a crash, so the record must exist before the account does);</item>
/// <item>one WordPress create per contact (the companion plugin's <c>POST skvare-cmsuser/v1/users?notify=user</c>, as
/// the SDK sends it), <c>concurrency</c> workers kept busy from one shared queue;</item>
/// <item>per page, after its last create, one CiviCRM write-back (a carrier <c>Contact.get</c> chaining
/// <c>UFMatch.save</c>, <c>Activity.save</c> and <c>GroupContact.save</c>, as the SDK's write-back does).</item>
/// </list>
/// The next page is read and prepared while the current page's creates run (at most one page ahead), and a page's
/// write-back runs beside the next page's creates, so the only round trips on the critical path are the first page's
/// read, its Scheduled write (with <c>audit</c>), and the last page's write-back. No set-up: the trigger group's id is
/// known and the activity type exists, as in a process and site already set up. Every run checks the requests the fakes received.
/// </summary>
internal static class DesignFloor
{
    private const int PageSize = 100;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static bool _warm;

    /// <summary>Contacts per second for <paramref name="contacts"/> new contacts, each run on a new site.</summary>
    public static async Task<double> ContactsPerSecondAsync(int contacts, int concurrency, TimeSpan latency, bool audit, CancellationToken ct)
    {
        if (!_warm)
        {
            // The first run in the process pays the JIT of this driver (as the floor's and the SDK's first runs do).
            using var warm = FakeSite.Start(50, concurrency, latency);
            await RunAsync(warm, 50, concurrency, audit: true, ct);
            _warm = true;
        }

        using var site = FakeSite.Start(contacts, concurrency, latency);
        var elapsed = await RunAsync(site, contacts, concurrency, audit, ct);
        return contacts / elapsed.TotalSeconds;
    }

    /// <summary>The requests one run must send: CiviCRM by call, and WordPress creates.</summary>
    public static (Dictionary<string, int> CiviCrm, int Creates) Expected(int contacts, bool audit)
    {
        var pages = (contacts + PageSize - 1) / PageSize;
        var civi = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            // The read that comes back short ends the run; with a multiple of 100 that is one empty read more.
            ["Contact.get"] = contacts / PageSize + 1 + pages,
        };
        if (audit)
        {
            civi["Activity.save"] = pages;
        }

        return (civi, contacts);
    }

    /// <summary>One run over <paramref name="site"/>'s trigger group; returns the wall time; checks the fakes' request counts.</summary>
    public static async Task<TimeSpan> RunAsync(FakeSite site, int contacts, int concurrency, bool audit, CancellationToken ct)
    {
        // What a set-up leaves on the site (the SDK writes them in its first run): the activity type and the history group.
        site.Civi.AddOptionValue("activity_type", "User Account Creation");
        var history = site.Civi.AddGroup("designfloor_done");
        var civiBefore = site.Civi.Requests.Count;
        var wpBefore = site.WordPress.Requests.Count;
        using var client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        var driver = new Driver(client, site, history, audit, ct);
        // As ProvisioningCommand.Settle: earlier runs' garbage is collected before the clock starts (this file is also
        // compiled into the WordPress tests, which count its requests, so it stands alone).
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var watch = Stopwatch.StartNew();
        var queue = Channel.CreateBounded<(Page Page, int Index)>(new BoundedChannelOptions(PageSize) { SingleWriter = true });
        var writeBacks = new List<Task>();
        var producer = Task.Run(() => driver.ProduceAsync(queue.Writer), ct);
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(
            async () =>
            {
                while (await queue.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
                {
                    while (queue.Reader.TryRead(out var item))
                    {
                        item.Page.UfIds[item.Index] = await driver.CreateAsync(item.Page.Contacts[item.Index]).ConfigureAwait(false);
                        if (Interlocked.Decrement(ref item.Page.Remaining) == 0)
                        {
                            // The page's write-back does not hold a worker: the next page's creates go on beside it.
                            var writeBack = driver.WriteBackAsync(item.Page);
                            lock (writeBacks)
                            {
                                writeBacks.Add(writeBack);
                            }
                        }
                    }
                }
            },
            ct)).ToArray();
        await producer;
        await Task.WhenAll(workers);
        Task[] pending;
        lock (writeBacks)
        {
            pending = [.. writeBacks];
        }

        await Task.WhenAll(pending);
        var elapsed = watch.Elapsed;

        var civi = site.Civi.Requests.Skip(civiBefore).ToList();
        var wp = site.WordPress.Requests.Skip(wpBefore).ToList();
        var (expectedCivi, expectedCreates) = Expected(contacts, audit);
        var got = civi.GroupBy(r => $"{r.Entity}.{r.Action}").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        Check(
            got.Count == expectedCivi.Count && expectedCivi.All(kv => got.GetValueOrDefault(kv.Key) == kv.Value) && civi.All(r => r.Status == 200)
            && wp.Count == expectedCreates && wp.All(r => r.Method == "POST" && r.Path.EndsWith("/skvare-cmsuser/v1/users", StringComparison.Ordinal)),
            $"design floor sent CiviCRM {string.Join(", ", got.Select(kv => $"{kv.Key} {kv.Value}"))} (statuses {string.Join(",", civi.Select(r => r.Status).Distinct())}), WordPress {wp.Count}; expected {string.Join(", ", expectedCivi.Select(kv => $"{kv.Key} {kv.Value}"))}, WordPress {expectedCreates}");
        Check(site.Civi.Links.Count == contacts, $"design floor linked {site.Civi.Links.Count} of {contacts}");
        return elapsed;
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    private sealed record Contact(long Id, string FirstName, string LastName, string Email);

    private sealed class Page(Contact[] contacts)
    {
        public Contact[] Contacts { get; } = contacts;

        public long[] ScheduledIds { get; set; } = [];

        public long[] UfIds { get; } = new long[contacts.Length];

        public int Remaining = contacts.Length;
    }

    private sealed class Driver(HttpClient client, FakeSite site, long history, bool audit, CancellationToken ct)
    {
        private readonly Uri _create = new(site.WordPress.BaseUrl, "wp-json/skvare-cmsuser/v1/users?notify=user");
        private readonly AuthenticationHeaderValue _wordpress = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(site.WordPress.AdminUsername + ":" + site.WordPress.ApplicationPassword)));

        // Reads pages one after the other (keyset on id), writes each page's Scheduled records, then queues its contacts;
        // the bounded queue keeps it at most one page ahead of the workers.
        public async Task ProduceAsync(ChannelWriter<(Page Page, int Index)> writer)
        {
            try
            {
                long after = 0;
                while (true)
                {
                    var contacts = await ReadPageAsync(after).ConfigureAwait(false);
                    if (contacts.Length > 0)
                    {
                        var page = new Page(contacts);
                        if (audit)
                        {
                            page.ScheduledIds = await ScheduleAsync(contacts).ConfigureAwait(false);
                        }

                        for (var i = 0; i < contacts.Length; i++)
                        {
                            await writer.WriteAsync((page, i), ct).ConfigureAwait(false);
                        }

                        after = contacts[^1].Id;
                    }

                    if (contacts.Length < PageSize)
                    {
                        break;
                    }
                }

                writer.Complete();
            }
            catch (Exception e)
            {
                writer.Complete(e);
                throw;
            }
        }

        public async Task<long> CreateAsync(Contact contact)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _create);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            request.Headers.Authorization = _wordpress;
            var n = contact.Id.ToString(Inv);
            request.Content = new StringContent(
                JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["username"] = $"{contact.FirstName}.{contact.LastName}".ToLowerInvariant(),
                    ["email"] = contact.Email,
                    ["password"] = $"Design-{n}-Xq7#kP2m",
                    ["first_name"] = contact.FirstName,
                    ["last_name"] = contact.LastName,
                    ["name"] = contact.FirstName + " " + contact.LastName,
                    ["roles"] = new[] { "subscriber" },
                }),
                Encoding.UTF8,
                "application/json");
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            Check((int)response.StatusCode == 201, $"design floor create {n}: HTTP {(int)response.StatusCode}: {body}");
            using var json = JsonDocument.Parse(body);
            return json.RootElement.GetProperty("id").GetInt64();
        }

        // One carrier request, as the SDK's write-back: the links, the Completed records, out of the trigger, into history.
        public async Task WriteBackAsync(Page page)
        {
            var links = page.Contacts.Select((c, i) => new Dictionary<string, object> { ["uf_id"] = page.UfIds[i], ["uf_name"] = c.Email, ["contact_id"] = c.Id, ["domain_id"] = 1 });
            var activities = page.Contacts.Select((c, i) =>
            {
                var record = new Dictionary<string, object>
                {
                    ["activity_type_id:name"] = "User Account Creation",
                    ["status_id:name"] = "Completed",
                    ["subject"] = $"Created : {c.FirstName} {c.LastName} ({page.UfIds[i].ToString(Inv)})",
                };
                if (audit)
                {
                    record["id"] = page.ScheduledIds[i];
                }
                else
                {
                    record["source_contact_id"] = "user_contact_id";
                    record["target_contact_id"] = new[] { c.Id };
                }

                return record;
            });
            var groups = page.Contacts.SelectMany(c => new[]
            {
                new Dictionary<string, object> { ["group_id"] = site.Members, ["contact_id"] = c.Id, ["status"] = "Removed" },
                new Dictionary<string, object> { ["group_id"] = history, ["contact_id"] = c.Id, ["status"] = "Added" },
            });
            using var json = await CiviAsync("Contact", "get", new Dictionary<string, object>
            {
                ["select"] = new[] { "id" },
                ["where"] = new[] { new object[] { "id", "=", "user_contact_id" } },
                ["limit"] = 1,
                ["chain"] = new Dictionary<string, object>
                {
                    ["links"] = new object[] { "UFMatch", "save", new Dictionary<string, object> { ["records"] = links, ["match"] = new[] { "uf_id", "domain_id" } } },
                    ["activities"] = new object[] { "Activity", "save", new Dictionary<string, object> { ["records"] = activities } },
                    ["trigger"] = new object[] { "GroupContact", "save", new Dictionary<string, object> { ["records"] = groups, ["match"] = new[] { "group_id", "contact_id" } } },
                },
            }).ConfigureAwait(false);
        }

        private async Task<Contact[]> ReadPageAsync(long after)
        {
            using var json = await CiviAsync("Contact", "get", new Dictionary<string, object>
            {
                ["select"] = new[] { "id", "first_name", "last_name", "email_primary.email" },
                ["where"] = new object[] { new object[] { "groups", "IN", new[] { site.Members } }, new object[] { "id", ">", after } },
                ["orderBy"] = new Dictionary<string, string> { ["id"] = "ASC" },
                ["limit"] = PageSize,
            }).ConfigureAwait(false);
            return [.. json.RootElement.GetProperty("values").EnumerateArray().Select(v => new Contact(
                v.GetProperty("id").GetInt64(),
                v.GetProperty("first_name").GetString()!,
                v.GetProperty("last_name").GetString()!,
                v.GetProperty("email_primary.email").GetString()!))];
        }

        private async Task<long[]> ScheduleAsync(Contact[] contacts)
        {
            using var json = await CiviAsync("Activity", "save", new Dictionary<string, object>
            {
                ["records"] = contacts.Select(c => new Dictionary<string, object>
                {
                    ["activity_type_id:name"] = "User Account Creation",
                    ["status_id:name"] = "Scheduled",
                    ["subject"] = $"Creating account : {c.FirstName} {c.LastName}",
                    ["source_contact_id"] = "user_contact_id",
                    ["target_contact_id"] = new[] { c.Id },
                    ["source_record_id"] = c.Id,
                }),
            }).ConfigureAwait(false);
            return [.. json.RootElement.GetProperty("values").EnumerateArray().Select(v => v.GetProperty("id").GetInt64())];
        }

        private async Task<JsonDocument> CiviAsync(string entity, string action, object parameters)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(site.Civi.Url, $"civicrm/ajax/api4/{entity}/{action}"));
            request.Headers.Add("X-Requested-With", "XMLHttpRequest");
            request.Headers.Add("X-Civi-Auth", "Bearer " + site.Civi.ApiKey);
            request.Content = new FormUrlEncodedContent([new("params", JsonSerializer.Serialize(parameters))]);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            Check((int)response.StatusCode == 200, $"design floor {entity}.{action}: HTTP {(int)response.StatusCode}: {body}");
            return JsonDocument.Parse(body);
        }
    }
}
