import Glibc
import PassthroughModel
@testable import PassthroughSystem
import Testing

@Suite("the worker: a child process that answers requests within a deadline", .serialized)
struct WorkerTests {
    @Test func itAnswersRequestAfterRequestFromOneChild() throws {
        let worker = Worker("a test worker", deadline: 2000) { request, _ in
            MessageFields.encode(["\(getpid())"] + (MessageFields.decodeText(request) ?? []).reversed())
        }
        defer { worker.stop() }
        let first = try #require(MessageFields.decodeText(try worker.call(MessageFields.encode(["a", "b"]))))
        let second = try #require(MessageFields.decodeText(try worker.call(MessageFields.encode(["c"]))))
        #expect(first.dropFirst() == ["b", "a"] && second.dropFirst() == ["c"])
        #expect(first[0] == second[0] && first[0] != "\(getpid())", "one child, not this process, answered both")
    }

    @Test func descriptorsGoWithTheRequestAndStayTheCallers() throws {
        var pipe: [Int32] = [-1, -1]
        try #require(Glibc.pipe(&pipe) == 0)
        defer { close(pipe[0]) }
        let worker = Worker("a test worker", deadline: 2000) { _, descriptors in
            let written = descriptors.count == 1 ? write(descriptors[0], "from the child", 14) : -1
            for descriptor in descriptors { close(descriptor) }
            return MessageFields.encode(["\(written)"])
        }
        defer { worker.stop() }
        let answer = try worker.call(MessageFields.encode(["write"]), passing: [pipe[1]])
        #expect(MessageFields.decodeText(answer) == ["14"])
        close(pipe[1])
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(pipe[0], &buffer, buffer.count)
        #expect(String(decoding: buffer[0..<max(0, count)], as: UTF8.self) == "from the child")
    }

    @Test func aChildThatDoesNotAnswerInTimeIsKilledAndTheNextRequestGetsAnother() throws {
        let worker = Worker("a test worker", deadline: 100) { request, _ in
            if request == Array("hang".utf8) { sleep(30) }
            return MessageFields.encode(["\(getpid())"])
        }
        defer { worker.stop() }
        let before = try #require(MessageFields.decodeText(try worker.call(Array("hello".utf8))))
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        #expect(throws: Worker.Failure.timedOut(milliseconds: 100)) { try worker.call(Array("hang".utf8)) }
        clock_gettime(CLOCK_MONOTONIC, &end)
        let waited = (end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1_000_000
        #expect(waited < 5000, "given up at the deadline, not after the handler's 30 s")
        #expect(kill(pid_t(before[0])!, 0) != 0 && errno == ESRCH, "the child that did not answer is gone")
        let after = try #require(MessageFields.decodeText(try worker.call(Array("hello".utf8))))
        #expect(after[0] != before[0], "a new child answers")
    }

    @Test func aRequestTooLongOrWithTooManyDescriptorsIsRefusedBeforeItIsSent() {
        let worker = Worker("a test worker", deadline: 100) { _, _ in [1] }
        defer { worker.stop() }
        #expect(throws: Worker.Failure.system(SystemError(call: "sendmsg", path: "a test worker", errno: EMSGSIZE))) {
            try worker.call([UInt8](repeating: 0, count: Worker.largestMessage + 1))
        }
        #expect(throws: Worker.Failure.system(SystemError(call: "sendmsg", path: "a test worker", errno: EMSGSIZE))) {
            try worker.call([1], passing: [0, 0, 0, 0, 0])
        }
    }

    @Test func aChildThatEndsWithoutAnAnswerIsAnError() {
        let worker = Worker("a test worker", deadline: 2000) { _, _ in [] }
        defer { worker.stop() }
        #expect(throws: Worker.Failure.system(SystemError(call: "recv", path: "a test worker", errno: EPIPE))) { try worker.call([1]) }
    }
}
