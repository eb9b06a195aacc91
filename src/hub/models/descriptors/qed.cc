#include "hub/models/descriptors/qed.h"

#include <cmath>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "fmt/format.h"
#include <GraphMol/ChemTransforms/ChemTransforms.h>
#include <GraphMol/Descriptors/Crippen.h>
#include <GraphMol/Descriptors/Lipinski.h>
#include <GraphMol/Descriptors/MolDescriptors.h>
#include <GraphMol/Descriptors/MolSurf.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/RDKitBase.h>

namespace hub::models::descriptors {
namespace {

// `QED.AcceptorSmarts`.
const std::vector<std::string_view> kAcceptorSmarts = {
    "[oH0;X2]",
    "[OH1;X2;v2]",
    "[OH0;X2;v2]",
    "[OH0;X1;v2]",
    "[O-;X1]",
    "[SH0;X2;v2]",
    "[SH0;X1;v2]",
    "[S-;X1]",
    "[nH0;X2]",
    "[NH0;X1;v3]",
    "[$([N;+0;X3;v3]);!$(N[C,S]=O)]",
};

// `QED.StructuralAlertSmarts` (116 alerts, in order).
const std::vector<std::string_view> kStructuralAlertSmarts = {
    "*1[O,S,N]*1",
    "[S,C](=[O,S])[F,Br,Cl,I]",
    "[CX4][Cl,Br,I]",
    "[#6]S(=O)(=O)O[#6]",
    "[$([CH]),$(CC)]#CC(=O)[#6]",
    "[$([CH]),$(CC)]#CC(=O)O[#6]",
    "n[OH]",
    "[$([CH]),$(CC)]#CS(=O)(=O)[#6]",
    "C=C(C=O)C=O",
    "n1c([F,Cl,Br,I])cccc1",
    "[CH1](=O)",
    "[#8][#8]",
    "[C;!R]=[N;!R]",
    "[N!R]=[N!R]",
    "[#6](=O)[#6](=O)",
    "[#16][#16]",
    "[#7][NH2]",
    "C(=O)N[NH2]",
    "[#6]=S",
    "[$([CH2]),$([CH][CX4]),$(C([CX4])[CX4])]=[$([CH2]),$([CH][CX4]),$(C([CX4])[CX4])]",
    "C1(=[O,N])C=CC(=[O,N])C=C1",
    "C1(=[O,N])C(=[O,N])C=CC=C1",
    "a21aa3a(aa1aaaa2)aaaa3",
    "a31a(a2a(aa1)aaaa2)aaaa3",
    "a1aa2a3a(a1)A=AA=A3=AA=A2",
    "c1cc([NH2])ccc1",
    // One SMARTS, split over two lines.
    std::string_view{"[Hg,Fe,As,Sb,Zn,Se,se,Te,B,Si,Na,Ca,Ge,Ag,Mg,K,Ba,Sr,Be,Ti,Mo,Mn,Ru,Pd,Ni,Cu,"
                     "Au,Cd,Al,Ga,Sn,Rh,Tl,Bi,Nb,Li,Pb,Hf,Ho]"},
    "I",
    "OS(=O)(=O)[O-]",
    "[N+](=O)[O-]",
    "C(=O)N[OH]",
    "C1NC(=O)NC(=O)1",
    "[SH]",
    "[S-]",
    "c1ccc([Cl,Br,I,F])c([Cl,Br,I,F])c1[Cl,Br,I,F]",
    "c1cc([Cl,Br,I,F])cc([Cl,Br,I,F])c1[Cl,Br,I,F]",
    "[CR1]1[CR1][CR1][CR1][CR1][CR1][CR1]1",
    "[CR1]1[CR1][CR1]cc[CR1][CR1]1",
    "[CR2]1[CR2][CR2][CR2][CR2][CR2][CR2][CR2]1",
    "[CR2]1[CR2][CR2]cc[CR2][CR2][CR2]1",
    "[CH2R2]1N[CH2R2][CH2R2][CH2R2][CH2R2][CH2R2]1",
    "[CH2R2]1N[CH2R2][CH2R2][CH2R2][CH2R2][CH2R2][CH2R2]1",
    "C#C",
    "[OR2,NR2]@[CR2]@[CR2]@[OR2,NR2]@[CR2]@[CR2]@[OR2,NR2]",
    "[$([N+R]),$([n+R]),$([N+]=C)][O-]",
    "[#6]=N[OH]",
    "[#6]=NOC=O",
    "[#6](=O)[CX4,CR0X3,O][#6](=O)",
    "c1ccc2c(c1)ccc(=O)o2",
    "[O+,o+,S+,s+]",
    "N=C=O",
    "[NX3,NX4][F,Cl,Br,I]",
    "c1ccccc1OC(=O)[#6]",
    "[CR0]=[CR0][CR0]=[CR0]",
    "[C+,c+,C-,c-]",
    "N=[N+]=[N-]",
    "C12C(NC(N1)=O)CSC2",
    "c1c([OH])c([OH,NH2,NH])ccc1",
    "P",
    "[N,O,S]C#N",
    "C=C=O",
    "[Si][F,Cl,Br,I]",
    "[SX2]O",
    "[SiR0,CR0](c1ccccc1)(c2ccccc2)(c3ccccc3)",
    "O1CCCCC1OC2CCC3CCCCC3C2",
    "N=[CR0][N,n,O,S]",
    // One SMARTS, split over two lines.
    std::string_view{"[cR2]1[cR2][cR2]([Nv3X3,Nv4X4])[cR2][cR2][cR2]1"
                     "[cR2]2[cR2][cR2][cR2]([Nv3X3,Nv4X4])[cR2][cR2]2"},
    "C=[C!r]C#N",
    "[cR2]1[cR2]c([N+0X3R0,nX3R0])c([N+0X3R0,nX3R0])[cR2][cR2]1",
    "[cR2]1[cR2]c([N+0X3R0,nX3R0])[cR2]c([N+0X3R0,nX3R0])[cR2]1",
    "[cR2]1[cR2]c([N+0X3R0,nX3R0])[cR2][cR2]c1([N+0X3R0,nX3R0])",
    "[OH]c1ccc([OH,NH2,NH])cc1",
    "c1ccccc1OC(=O)O",
    "[SX2H0][N]",
    "c12ccccc1(SC(S)=N2)",
    "c12ccccc1(SC(=S)N2)",
    "c1nnnn1C=O",
    "s1c(S)nnc1NC=O",
    "S1C=CSC1=S",
    "C(=O)Onnn",
    "OS(=O)(=O)C(F)(F)F",
    "N#CC[OH]",
    "N#CC(=O)",
    "S(=O)(=O)C#N",
    "N[CH2]C#N",
    "C1(=O)NCC1",
    "S(=O)(=O)[O-,OH]",
    "NC[F,Cl,Br,I]",
    "C=[C!r]O",
    "[NX2+0]=[O+0]",
    "[OR0,NR0][OR0,NR0]",
    "C(=O)O[C,H1].C(=O)O[C,H1].C(=O)O[C,H1]",
    "[CX2R0][NX3R0]",
    "c1ccccc1[C;!R]=[C;!R]c2ccccc2",
    "[NX3R0,NX4R0,OR0,SX2R0][CX4][NX3R0,NX4R0,OR0,SX2R0]",
    "[s,S,c,C,n,N,o,O]~[n+,N+](~[s,S,c,C,n,N,o,O])(~[s,S,c,C,n,N,o,O])~[s,S,c,C,n,N,o,O]",
    "[s,S,c,C,n,N,o,O]~[nX3+,NX3+](~[s,S,c,C,n,N])~[s,S,c,C,n,N]",
    "[*]=[N+]=[*]",
    "[SX3](=O)[O-,OH]",
    "N#N",
    "F.F.F.F",
    "[R0;D2][R0;D2][R0;D2][R0;D2]",
    "[cR,CR]~C(=O)NC(=O)~[cR,CR]",
    "C=!@CC=[O,S]",
    "[#6,#8,#16][#6](=O)O[#6]",
    "c[C;R0](=[O,S])[#6]",
    "c[SX2][C;!R]",
    "C=C=C",
    "c1nc([F,Cl,Br,I,S])ncc1",
    "c1ncnc([F,Cl,Br,I,S])c1",
    "c1nc(c2c(n1)nc(n2)[F,Cl,Br,I])",
    "[#6]S(=O)(=O)c1ccc(cc1)F",
    "[15N]",
    "[13C]",
    "[18O]",
    "[34S]",
};

// `QED.AliphaticRings`.
constexpr std::string_view kAliphaticRingsSmarts = "[$([A;R][!a])]";

// `QED.ADSparameter`.
struct AdsParameter {
  double a, b, c, d, e, f, dmax;
};

// `QED.adsParameters`, in `QEDproperties` field order (MW, ALOGP, HBA, HBD, PSA, ROTB, AROM,
// ALERTS).
constexpr AdsParameter kAdsParameters[8] = {
    {2.817065973, 392.5754953, 290.7489764, 2.419764353, 49.22325677, 65.37051707, 104.9805561},
    {3.172690585, 137.8624751, 2.534937431, 4.581497897, 0.822739154, 0.576295591, 131.3186604},
    {2.948620388, 160.4605972, 3.615294657, 4.435986202, 0.290141953, 1.300669958, 148.7763046},
    {1.618662227, 1010.051101, 0.985094388, 0.000000001, 0.713820843, 0.920922555, 258.1632616},
    {1.876861559, 125.2232657, 62.90773554, 87.83366614, 12.01999824, 28.51324732, 104.5686167},
    {0.010000000, 272.4121427, 2.558379970, 1.565547684, 1.271567166, 2.758063707, 105.4420403},
    {3.217788970, 957.7374108, 2.274627939, 0.000000001, 1.317690384, 0.375760881, 312.3372610},
    {0.010000000, 1199.094025, -0.09002883, 0.000000001, 0.185904477, 0.875193782, 417.7253140},
};

// `QED.WEIGHT_MEAN`.
constexpr double kWeightMean[8] = {0.66, 0.46, 0.05, 0.61, 0.06, 0.65, 0.48, 0.95};

// Python's `math.exp`, which raises OverflowError instead of returning infinity.
absl::StatusOr<double> CheckedExp(double x) {
  const double result = std::exp(x);
  if (std::isinf(result)) {
    return absl::OutOfRangeError(fmt::format("QED: math.exp({}) overflows", x));
  }
  return result;
}

// `QED.ads`, operation for operation.
absl::StatusOr<double> Ads(double x, const AdsParameter& p) {
  absl::StatusOr<double> e1 = CheckedExp(-1 * (x - p.c + p.d / 2) / p.e);
  absl::StatusOr<double> e2 = CheckedExp(-1 * (x - p.c - p.d / 2) / p.f);
  if (!e1.ok() || !e2.ok()) {
    return e1.ok() ? e2.status() : e1.status();
  }
  const double exp1 = 1 + *e1;
  const double exp2 = 1 + *e2;
  const double dx = p.a + p.b / exp1 * (1 - 1 / exp2);
  return dx / p.dmax;
}

// `AROM`: rings of the SSSR once every atom of an aliphatic ring (and its non-aromatic
// neighbour) is deleted.
int AromaticRingCount(const RDKit::ROMol& mol, const RDKit::ROMol& aliphatic_rings) {
  std::unique_ptr<RDKit::ROMol> rest(RDKit::deleteSubstructs(mol, aliphatic_rings));
  std::vector<std::vector<int>> rings;
  return RDKit::MolOps::findSSSR(*rest, rings);
}

// True when `a` and `b` have the same atoms and bonds in the same order with the same
// properties that Crippen atom typing (SMARTS on the H-added molecule) can see.
bool SameChemistry(const RDKit::ROMol& a, const RDKit::ROMol& b) {
  if (a.getNumAtoms() != b.getNumAtoms() || a.getNumBonds() != b.getNumBonds()) {
    return false;
  }
  for (unsigned int i = 0; i < a.getNumAtoms(); ++i) {
    const RDKit::Atom* x = a.getAtomWithIdx(i);
    const RDKit::Atom* y = b.getAtomWithIdx(i);
    if (x->getAtomicNum() != y->getAtomicNum() || x->getFormalCharge() != y->getFormalCharge() ||
        x->getIsotope() != y->getIsotope() || x->getNumExplicitHs() != y->getNumExplicitHs() ||
        x->getNumImplicitHs() != y->getNumImplicitHs() ||
        x->getNoImplicit() != y->getNoImplicit() || x->getIsAromatic() != y->getIsAromatic() ||
        x->getDegree() != y->getDegree() ||
        x->getNumRadicalElectrons() != y->getNumRadicalElectrons() ||
        x->getHybridization() != y->getHybridization()) {
      return false;
    }
  }
  for (unsigned int i = 0; i < a.getNumBonds(); ++i) {
    const RDKit::Bond* x = a.getBondWithIdx(i);
    const RDKit::Bond* y = b.getBondWithIdx(i);
    if (x->getBeginAtomIdx() != y->getBeginAtomIdx() || x->getEndAtomIdx() != y->getEndAtomIdx() ||
        x->getBondType() != y->getBondType() || x->getIsAromatic() != y->getIsAromatic() ||
        x->getIsConjugated() != y->getIsConjugated()) {
      return false;
    }
  }
  return true;
}

}  // namespace

QedCalculator::QedCalculator()
    : acceptors_(CompileSmartsTable(kAcceptorSmarts)),
      alerts_(CompileSmartsTable(kStructuralAlertSmarts)),
      aliphatic_rings_(kAliphaticRingsSmarts) {}

absl::StatusOr<QedProperties> QedCalculator::Properties(const RDKit::ROMol& input,
                                                        std::optional<double> input_logp) const {
  std::unique_ptr<RDKit::ROMol> mol;
  try {
    mol.reset(RDKit::MolOps::removeHs(input));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(fmt::format("QED: RemoveHs failed: {}", e.what()));
  }

  QedProperties p;
  p.mw = RDKit::Descriptors::calcAMW(*mol);
  if (input_logp.has_value() && SameChemistry(input, *mol)) {
    p.alogp = *input_logp;
  } else {
    double mr = 0;
    RDKit::Descriptors::calcCrippenDescriptors(*mol, p.alogp, mr);
  }
  for (const SmartsPattern& acceptor : acceptors_) {
    p.hba += acceptor.CountMatches(*mol);
  }
  p.hbd = static_cast<int>(RDKit::Descriptors::calcNumHBD(*mol));
  p.psa = RDKit::Descriptors::calcTPSA(*mol);
  p.rotb =
      static_cast<int>(RDKit::Descriptors::calcNumRotatableBonds(*mol, RDKit::Descriptors::Strict));
  p.arom = AromaticRingCount(*mol, aliphatic_rings_.query());
  for (const SmartsPattern& alert : alerts_) {
    p.alerts += alert.HasMatch(*mol) ? 1 : 0;
  }
  return p;
}

absl::StatusOr<double> QedCalculator::FromProperties(const QedProperties& p) {
  const double x[8] = {p.mw,
                       p.alogp,
                       static_cast<double>(p.hba),
                       static_cast<double>(p.hbd),
                       p.psa,
                       static_cast<double>(p.rotb),
                       static_cast<double>(p.arom),
                       static_cast<double>(p.alerts)};
  double t = 0;
  double weight_sum = 0;
  for (int i = 0; i < 8; ++i) {
    absl::StatusOr<double> d = Ads(x[i], kAdsParameters[i]);
    if (!d.ok()) {
      return d.status();
    }
    t += kWeightMean[i] * std::log(*d);
    weight_sum += kWeightMean[i];
  }
  return std::exp(t / weight_sum);
}

absl::StatusOr<double> QedCalculator::Compute(const RDKit::ROMol& mol,
                                              std::optional<double> input_logp) const {
  absl::StatusOr<QedProperties> properties = Properties(mol, input_logp);
  if (!properties.ok()) {
    return properties.status();
  }
  return FromProperties(*properties);
}

}  // namespace hub::models::descriptors
