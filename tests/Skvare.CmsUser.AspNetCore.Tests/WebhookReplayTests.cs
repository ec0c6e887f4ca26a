using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.AspNetCore;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.AspNetCore.Tests;

public sealed class WebhookReplayTests
{
    /// <summary>Ways to re-spell one signature header that still verify.</summary>
    public static TheoryData<string> Respellings() => new() { "upper-hex", "upper-prefix", "spaces", "tab" };

    private static string Respell(string signature, string how) => how switch
    {
        "upper-hex" => "sha256=" + signature[7..].ToUpperInvariant(),
        "upper-prefix" => "SHA256=" + signature[7..],
        "spaces" => "  " + signature + "   ",
        "tab" => "\t" + signature,
        _ => throw new ArgumentOutOfRangeException(nameof(how)),
    };

    private static async Task<string?> ErrorOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;

    [Fact(Timeout = 30_000)]
    public async Task Same_request_twice_is_refused_as_a_replay()
    {
        var civi = new FakeCiviCrm();
        var cms = new FakeCmsAccountProvider();
        await using var host = await WebhookHost.StartAsync(b => b.UseInMemory(civi, cms));
        var ana = civi.AddContact("Ana", "Lima", "ana@example.org");
        var ts = host.Now;

        using var first = await host.PostAsync($$"""{"contactId": {{ana.Id}}}""", ts);
        using var second = await host.PostAsync($$"""{"contactId": {{ana.Id}}}""", ts);

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        second.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await ErrorOf(second)).Should().Be("replayed");
    }

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Respellings))]
    public async Task A_respelled_signature_is_valid_but_still_the_same_request(string how)
    {
        var civi = new FakeCiviCrm();
        var cms = new FakeCmsAccountProvider();
        await using var host = await WebhookHost.StartAsync(b => b.UseInMemory(civi, cms));
        var ana = civi.AddContact("Ana", "Lima", "ana@example.org");
        var bea = civi.AddContact("Bea", "Lima", "bea@example.org");
        var ts = host.Now;

        // Re-spelled first: it verifies. Then the canonical spelling of the same request is a replay.
        using var respelledFirst = await host.PostAsync($$"""{"contactId": {{ana.Id}}}""", ts, tamper: s => Respell(s, how));
        using var canonicalAfter = await host.PostAsync($$"""{"contactId": {{ana.Id}}}""", ts);
        // Canonical first, then re-spelled: a replay too.
        using var canonicalFirst = await host.PostAsync($$"""{"contactId": {{bea.Id}}}""", ts);
        using var respelledAfter = await host.PostAsync($$"""{"contactId": {{bea.Id}}}""", ts, tamper: s => Respell(s, how));

        respelledFirst.StatusCode.Should().Be(HttpStatusCode.OK);
        canonicalAfter.StatusCode.Should().Be(HttpStatusCode.Conflict);
        canonicalFirst.StatusCode.Should().Be(HttpStatusCode.OK);
        respelledAfter.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await ErrorOf(respelledAfter)).Should().Be("replayed");
        cms.Accounts.Should().HaveCount(2);
    }

    [Fact(Timeout = 30_000)]
    public async Task The_sender_retrying_with_a_new_timestamp_is_not_a_replay()
    {
        var civi = new FakeCiviCrm();
        var cms = new FakeCmsAccountProvider();
        await using var host = await WebhookHost.StartAsync(b => b.UseInMemory(civi, cms));
        var ana = civi.AddContact("Ana", "Lima", "ana@example.org");
        cms.FailCreateFor("ana@example.org", () => FakeCmsAccountProvider.Transient());
        var json = $$"""{"contactId": {{ana.Id}}, "eventId": "e-1"}""";

        using var first = await host.PostAsync(json, host.Now);
        cms.StopFailingCreateFor("ana@example.org");
        host.Time.Advance(TimeSpan.FromSeconds(30));
        using var retry = await host.PostAsync(json, host.Now);

        first.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        retry.StatusCode.Should().Be(HttpStatusCode.OK);
        cms.Accounts.Should().ContainSingle();
    }

    [Fact(Timeout = 30_000)]
    public async Task Memory_store_forgets_a_request_only_after_its_timestamp_is_stale()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var store = new MemoryReplayStore(time);

        (await store.TryRecordAsync("k", TimeSpan.FromMinutes(10), default)).Should().BeTrue();
        time.Advance(TimeSpan.FromMinutes(9));
        (await store.TryRecordAsync("k", TimeSpan.FromMinutes(10), default)).Should().BeFalse();
        time.Advance(TimeSpan.FromMinutes(2));
        (await store.TryRecordAsync("k", TimeSpan.FromMinutes(10), default)).Should().BeTrue();
    }

    [Theory(Timeout = 60_000)]
    [InlineData(WebhookReplayStore.HybridCache)]
    [InlineData(WebhookReplayStore.DistributedCache)]
    public async Task Replay_to_a_second_instance_sharing_the_cache_is_refused(WebhookReplayStore store)
    {
        // Two application instances (separate service providers, separate ports, separate local caches)
        // over one shared second-level cache, as two servers over one Redis.
        var shared = new SharedCache();
        var civi = new FakeCiviCrm();
        var cms = new FakeCmsAccountProvider();
        void Register(IServiceCollection services)
        {
            services.AddSingleton<IDistributedCache>(shared);
            services.AddHybridCache();
        }

        await using var a = await WebhookHost.StartAsync(b => b.UseInMemory(civi, cms), o => o.ReplayStore = store, Register);
        await using var b = await WebhookHost.StartAsync(b => b.UseInMemory(civi, cms), o => o.ReplayStore = store, Register, time: a.Time);
        var ana = civi.AddContact("Ana", "Lima", "ana@example.org");
        var ts = a.Now;
        var json = $$"""{"contactId": {{ana.Id}}}""";

        using var toA = await a.PostAsync(json, ts);
        using var toB = await b.PostAsync(json, ts, tamper: s => s.ToUpperInvariant());
        using var toBAgain = await b.PostAsync(json, ts);

        toA.StatusCode.Should().Be(HttpStatusCode.OK);
        toB.StatusCode.Should().Be(HttpStatusCode.Conflict);
        toBAgain.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await ErrorOf(toB)).Should().Be("replayed");
        cms.Accounts.Should().ContainSingle();
    }

    [Fact(Timeout = 30_000)]
    public async Task HybridCache_store_has_written_the_shared_level_before_it_answers()
    {
        // The shared level is slow to write: an answer given before the write finished would let
        // the other instance accept the same request.
        var shared = new SharedCache { WriteDelay = TimeSpan.FromMilliseconds(300) };
        HybridCacheReplayStore Instance()
        {
            var services = new ServiceCollection().AddSingleton<IDistributedCache>(shared);
            services.AddHybridCache();
            return new HybridCacheReplayStore(services.BuildServiceProvider().GetRequiredService<Microsoft.Extensions.Caching.Hybrid.HybridCache>());
        }

        var a = Instance();
        var b = Instance();

        (await a.TryRecordAsync("k1", TimeSpan.FromMinutes(10), WebhookHost.Timeout())).Should().BeTrue();
        (await b.TryRecordAsync("k1", TimeSpan.FromMinutes(10), WebhookHost.Timeout())).Should().BeFalse();
        (await b.TryRecordAsync("k2", TimeSpan.FromMinutes(10), WebhookHost.Timeout())).Should().BeTrue();
    }

    [Fact(Timeout = 30_000)]
    public async Task Two_instances_with_the_default_memory_store_do_not_share_what_they_saw()
    {
        // The documented limit of the default: this is why a farm needs a shared store.
        var civi = new FakeCiviCrm();
        var cms = new FakeCmsAccountProvider();
        await using var a = await WebhookHost.StartAsync(b => b.UseInMemory(civi, cms));
        await using var b = await WebhookHost.StartAsync(b => b.UseInMemory(civi, cms), time: a.Time);
        var ana = civi.AddContact("Ana", "Lima", "ana@example.org");
        var ts = a.Now;

        using var toA = await a.PostAsync($$"""{"contactId": {{ana.Id}}}""", ts);
        using var toB = await b.PostAsync($$"""{"contactId": {{ana.Id}}}""", ts);

        toA.StatusCode.Should().Be(HttpStatusCode.OK);
        toB.StatusCode.Should().Be(HttpStatusCode.OK);
        cms.Accounts.Should().ContainSingle("the second delivery finds the contact already linked");
    }

    [Fact(Timeout = 30_000)]
    public async Task Unreachable_distributed_cache_refuses_with_503_instead_of_accepting_unchecked()
    {
        var civi = new FakeCiviCrm();
        var cms = new FakeCmsAccountProvider();
        await using var host = await WebhookHost.StartAsync(
            b => b.UseInMemory(civi, cms),
            o => o.ReplayStore = WebhookReplayStore.DistributedCache,
            s => s.AddSingleton<IDistributedCache, UnreachableCache>());
        var ana = civi.AddContact("Ana", "Lima", "ana@example.org");

        using var response = await host.PostAsync($$"""{"contactId": {{ana.Id}}}""");

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await ErrorOf(response)).Should().Be("replay_store_unavailable");
        cms.Accounts.Should().BeEmpty();
        host.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 4003);
    }

    [Fact(Timeout = 30_000)]
    public async Task An_application_replay_store_replaces_the_built_in_one()
    {
        var civi = new FakeCiviCrm();
        var cms = new FakeCmsAccountProvider();
        var custom = new CountingStore();
        await using var host = await WebhookHost.StartAsync(b => b.UseInMemory(civi, cms), services: s => s.AddSingleton<IWebhookReplayStore>(custom));
        var ana = civi.AddContact("Ana", "Lima", "ana@example.org");

        using var response = await host.PostAsync($$"""{"contactId": {{ana.Id}}}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        custom.Keys.Should().ContainSingle().Which.Should().MatchRegex("^skvare-cmsuser:webhook:mac:[0-9a-f]{64}$");
    }

    private sealed class CountingStore : IWebhookReplayStore
    {
        public List<string> Keys { get; } = [];

        public ValueTask<bool> TryRecordAsync(string key, TimeSpan keepFor, CancellationToken cancellationToken)
        {
            lock (Keys)
            {
                var first = !Keys.Contains(key);
                Keys.Add(key);
                return ValueTask.FromResult(first);
            }
        }
    }
}
