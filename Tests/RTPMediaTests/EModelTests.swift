import Testing

@testable import RTPMedia

/// ITU-T G.107 vectors computed by hand from the standard's equations.
@Suite struct EModelTests {
    @Test func defaultsGiveTheG107Ceiling() {
        let r = EModel.rating(oneWayDelayMilliseconds: 0, lossPercent: 0)
        #expect(abs(r - 93.2) < 1e-9)
        // B-4: 1 + 0.035·93.2 + 93.2·33.2·6.8·7e-6 = 4.4092…
        #expect(abs(EModel.meanOpinionScore(rating: r) - 4.40929) < 1e-4)
    }

    @Test func fivePercentRandomLossWithConcealment() {
        // Ie,eff = 95·5/(5 + 25.1) = 15.781; Id = 0.024·40 = 0.96; R = 76.459.
        let r = EModel.rating(oneWayDelayMilliseconds: 40, lossPercent: 5)
        #expect(abs(r - 76.459) < 1e-3)
        #expect(abs(EModel.meanOpinionScore(rating: r) - 3.8835) < 1e-3)
    }

    @Test func delayBeyondTheKneeCostsMore() {
        // Id = 0.024·300 + 0.11·(300 − 177.3) = 20.697.
        #expect(abs(EModel.rating(oneWayDelayMilliseconds: 300, lossPercent: 0) - 72.503) < 1e-3)
        #expect(EModel.meanOpinionScore(rating: -5) == 1)
        #expect(EModel.meanOpinionScore(rating: 120) == 4.5)
    }

    @Test func mosFallsMonotonicallyWithLoss() {
        let scores = stride(from: 0.0, through: 30, by: 1).map {
            EModel.meanOpinionScore(rating: EModel.rating(oneWayDelayMilliseconds: 50, lossPercent: $0))
        }
        #expect(zip(scores, scores.dropFirst()).allSatisfy { $0 > $1 })
    }
}
