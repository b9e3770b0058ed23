import ArgumentParser
import Datasets
import Layers
import Models
import TensorCore
import Options

/// `masklab models`: the model registry.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the models with their parameter counts (MNIST and CIFAR-10 shapes).")

    @Flag(name: .long, help: "Also list every tensor's PyTorch name and shape for the model given with --model.")
    var tensors = false

    @Option(name: .long, help: "Model to describe with --tensors, or the one row of the table to show.")
    var model: String?

    @Option(name: .long, help: "Base width for convolutional models.")
    var width: Int?

    @Option(name: .long, help: ArgumentHelp("Hidden layer sizes of mlp, comma-separated (default 300,100).", valueName: "n1,n2"))
    var hidden: String?

    @Option(name: .long, help: "Dataset whose sample shape and classes --tensors uses (\(DatasetRegistry.names.joined(separator: ", "))). Default: mnist for mlp, cifar10 for the others.")
    var dataset: String?

    func validate() throws {
        if let width, !(1...ModelOptions.maxWidth).contains(width) {
            throw ValidationError("--width must be in [1, \(ModelOptions.maxWidth)], got \(width)")
        }
        _ = try hiddenSizes()
        if let model {
            guard ModelRegistry.names.contains(model) else {
                throw ValidationError("unknown model '\(model)'; valid models: \(ModelRegistry.names.joined(separator: ", "))")
            }
            // A sizing flag the chosen model does not read is refused, not ignored.
            let given = ModelOptions(hidden: hidden == nil ? nil : [1], width: width)
            let read = ModelRegistry.applicable(given, to: model)
            if given.hidden != nil, read.hidden == nil { throw ValidationError("--hidden does not apply to \(model) (it sizes mlp)") }
            if given.width != nil, read.width == nil { throw ValidationError("--width does not apply to \(model)") }
        }
    }

    /// --hidden as sizes (nil: the model's default): comma-separated, or `[a, b]` as in a config file.
    func hiddenSizes() throws -> [Int]? {
        guard let hidden else { return nil }
        guard let sizes = ValueCodec<[Int]>.list(of: .int, valueName: "<n1,n2>").fromText(hidden), !sizes.isEmpty, sizes.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--hidden: expected layer sizes ≥ 1, comma-separated (e.g. 300,100), got '\(hidden)'")
        }
        return sizes
    }

    func run() throws {
        let options = ModelOptions(hidden: try hiddenSizes(), width: width)
        if tensors {
            guard let model else { throw UsageFailure("--tensors needs --model NAME") }
            let definition: any DatasetDefinition.Type
            do { definition = try DatasetRegistry.definition(dataset ?? (model == "mlp" ? "mnist" : "cifar10")) } catch { throw UsageFailure(error.description) }
            let net: Network
            do { net = try ModelRegistry.make(model, sampleShape: definition.sampleShape, classes: definition.classes, options: options) } catch {
                throw UsageFailure(error.description)
            }
            print("\(net.name) on \(definition.name) (\(definition.sampleShape.dims.map(String.init).joined(separator: "×")) samples, \(definition.classes) classes)")
            for (name, dims) in net.store.shapes { print("\(name)\t\(dims)") }
            print("\(net.parameterCount) parameters")
            return
        }
        print("model".padding(toLength: 10, withPad: " ", startingAt: 0) + "parameters (1×28×28)  parameters (3×32×32)  description")
        for e in ModelRegistry.entries where model == nil || e.name == model {
            func count(_ s: Shape) -> String {
                // --width applies to the models that read it; the others are listed as they are.
                (try? e.build(s, 10, e.applicable(options))).map { String($0.parameterCount) } ?? "–"
            }
            print(e.name.padding(toLength: 10, withPad: " ", startingAt: 0)
                  + count(Shape(1, 28, 28)).padding(toLength: 22, withPad: " ", startingAt: 0)
                  + count(Shape(3, 32, 32)).padding(toLength: 22, withPad: " ", startingAt: 0) + e.summary)
        }
    }
}
