/// Sample values for the option walks of the tests (unit and CLI).
public enum OptionSamples {
    /// A sample command-line value (different from the default, in range) for every option.
    /// An option added without a sample fails this test, so the round trip covers every option.
    public static let run: [String: String] = [
        "model": "resnet18", "dataset": "cifar10", "batchSize": "32", "evalBatchSize": "500", "budget.epochs": "3",
        "budget.iterations": "700", "seed": "18446744073709551615", "dataOrderSeed": "9", "threads": "3",
        "checkpointEveryEpochs": "2", "checkpointEveryIterations": "50", "trainEval": "500", "modelOptions.hidden": "64,32",
        "modelOptions.channels": "4,8",
        "modelOptions.width": "16", "modelOptions.batchNorm": "true", "modelOptions.dropout": "0.25", "optimizer.name": "adamw", "optimizer.learningRate": "0.001",
        "optimizer.momentum": "0.5", "optimizer.dampening": "0.1", "optimizer.nesterov": "false", "optimizer.weightDecay": "null",
        "optimizer.decayNormAndBias": "false", "optimizer.beta1": "0.8", "optimizer.beta2": "0.99", "optimizer.epsilon": "1e-06",
        "schedule.name": "multistep", "schedule.stepEpochs": "7", "schedule.gamma": "0.5", "schedule.milestones": "2,5",
        "schedule.minimumLearningRate": "0.0001", "schedule.warmupIterations": "10", "schedule.warmupStartFactor": "0.5",
        "schedule.pctStart": "0.25", "schedule.divFactor": "10", "schedule.finalDivFactor": "100", "validation": "500",
        "augment": "false", "classes": "0,1,8,9", "trainSubset": "2000", "testSubset": "1000", "tensorboardEveryIterations": "25", "tensorboardWeightHistograms": "true", "masks.name": "importance", "masks.keep": "0.2",
        "masks.target": "gradients", "masks.scaling": "none", "masks.exclude": "first,last", "masks.evalMask": "expected",
        "masks.sampling": "exactK", "masks.minKeep": "0.05", "masks.magnitudeScope": "global", "masks.importance.eta": "0.5",
        "masks.importance.lambda": "1", "masks.importance.gamma": "0.01", "masks.importance.steps": "3",
        "masks.importance.initialisation": "uniform", "masks.importance.normalisation": "maxAbs", "masks.importance.batches": "2",
        "masks.importance.refreshEpochs": "2", "masks.importance.refreshIterations": "30", "masks.importance.solve": "perLayer", "masks.importance.use": "drop", "masks.importance.stepControl": "backtracking",
        "masks.criterion": "snip", "masks.keepOutput": "0.5", "masks.pruning.batches": "2", "masks.pruning.graspTemperature": "100",
        "masks.pruning.synflowRounds": "10", "masks.dst.updateEvery": "50", "masks.dst.dropFraction": "0.5", "masks.dst.endStep": "400",
        "masks.dst.density": "erk", "masks.dst.denseFirst": "true",
        "masks.l1.lambda": "0.001", "masks.l1.targetSparsity": "0.5", "masks.l0.lambda": "1", "masks.l0.droprateInit": "0.3",
        "masks.vd.logSigma2Init": "-8", "masks.vd.klStart": "1", "masks.vd.klFull": "3", "masks.vd.trainClip": "false",
    ]
}
