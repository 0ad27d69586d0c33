"""e-Budgeting models, one module per aggregate."""

from .catalogue import PriceChange, PriceItem, PriceProposal, PriceProposalEvidence
from .ceilings import Ceiling
from .dpa import CashPlan, Dpa, QuarterOverride
from .fiscal import FiscalYear, Stage, StageReopening
from .flags import RedFlag
from .lines import BudgetLine, SubActivityBudget
from .shifts import BudgetShift, ShiftLine
from .snapshots import StageFlag, StageLine, StageSubActivity
from .verification import VerificationComment

__all__ = [
    "BudgetLine",
    "BudgetShift",
    "CashPlan",
    "Ceiling",
    "Dpa",
    "FiscalYear",
    "PriceChange",
    "PriceItem",
    "PriceProposal",
    "PriceProposalEvidence",
    "QuarterOverride",
    "RedFlag",
    "ShiftLine",
    "Stage",
    "StageFlag",
    "StageLine",
    "StageReopening",
    "StageSubActivity",
    "SubActivityBudget",
    "VerificationComment",
]
