using Microsoft.Extensions.Logging.Abstractions;
using Skvare.CmsUser.Engine;
using Skvare.CmsUser.Retry;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// A page none of whose contacts started (its run stopped) removes the Scheduled records it opened. When the answer to that
/// write is lost, the write-back reads back what CiviCRM kept and removes again what is still open. A reset campaign's page
/// has no result to say its records are "User Account Password Reset" ones: before session 20 the read-back asked for
/// creation records, found none of its records open, and left them Scheduled.
/// </summary>
public sealed class NeverStartedReadBackTests
{
    [Theory]
    [InlineData(ActivityKind.PasswordReset)]
    [InlineData(ActivityKind.AccountCreation)]
    public async Task A_lost_answer_to_a_never_started_pages_write_back_reads_back_the_pages_own_kind_of_record(ActivityKind kind)
    {
        var civi = new FakeCiviCrm();
        var contact = civi.AddContact("Ana", "Lima", "ana@example.org");
        var ids = await civi.OpenAsync([PageWriter.Scheduled(kind, contact, DateTimeOffset.UnixEpoch)]);
        var store = new LosingStore(civi);
        var writer = new PageWriter(civi, civi, new FakeCmsAccountProvider(), new AttemptPolicy(new RetryPolicy()), TimeProvider.System, NullLogger.Instance, store);
        var opened = PageWriter.Opened(new Dictionary<long, long> { [contact.Id] = ids![0] }, null, kind);

        var results = await writer.WriteAsync([], null, opened);

        results.Should().BeEmpty();
        store.Writes.Should().Be(1, "the page's removal was sent once, and its answer lost");
        store.ReadBackKinds.Should().Equal([kind], "the read-back asks for the kind of record the page opened");
        civi.Activities.Should().NotContain(a => a.ContactId == contact.Id, "the record still open after the lost write is removed again");
    }

    /// <summary>A store whose one-request write is never carried out and whose answer is lost; its reads are the in-memory CiviCRM's.</summary>
    private sealed class LosingStore(FakeCiviCrm civi) : IPageWriteBackStore
    {
        public int Writes { get; private set; }

        public List<ActivityKind> ReadBackKinds { get; } = [];

        public async Task<PageWriteBackSnapshot> ReadAsync(PageWriteBackQuery query, CancellationToken cancellationToken = default)
        {
            ReadBackKinds.Add(query.Kind);
            return new PageWriteBackSnapshot { Audits = await civi.FindAuditsAsync(query.AuditContactIds, query.Kind, cancellationToken) };
        }

        public Task<PageWriteBackOpened> OpenAsync(IReadOnlyList<ActivityEntry> scheduled, PageWriteBackQuery query, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("The test opens the records itself.");

        public Task<PageWriteBackWritten> WriteAsync(PageWriteBackBatch batch, ITriggerSource? source, CancellationToken cancellationToken = default)
        {
            Writes++;
            throw new HttpRequestException("The connection was closed before an answer came.");
        }

        public Task<IReadOnlyList<ActivityEntry>> FindUnwrittenAsync(IReadOnlyList<ActivityEntry> created, PageWriteBackSnapshot snapshot, CancellationToken cancellationToken = default) =>
            Task.FromResult(created);
    }
}
